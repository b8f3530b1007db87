#pragma once
// What this kernel lets ksight do, probed once and memoised. Every part of
// ksight that picks a hook asks here (never assumes), and `ksight probe`
// prints the same answers. Each "no" carries the reason (errno, missing
// file, capability) so a fallback can be logged with it.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ksight::agent {

enum class Feature {
  kBtf,                 // /sys/kernel/btf/vmlinux: CO-RE relocations
  kRingBuffer,          // BPF_MAP_TYPE_RINGBUF
  kTracepoint,          // perf tracepoint programs (tp/...)
  kRawTracepoint,       // raw_tp/...
  kTpBtf,               // tp_btf/... (typed raw tracepoints)
  kSockMsgTracepoints,  // tp_btf on sock:sock_{recv,send}_length + socket storage (6.3+)
  kUprobe,              // uprobes through the perf "uprobe" PMU
  kPerfEventSampling,   // BPF on software cpu-clock sampling events
  kHardwareCycles,      // hardware cpu-cycles sampling (often absent in VMs)
  kFentry,              // fentry/fexit trampolines
  kKprobe,              // kprobes/kretprobes
  kLsm,                 // BPF LSM programs
  kTc,                  // tc clsact classifier programs
  kCgroupSkb,           // cgroup_skb programs on the cgroup v2 root
  kTaskIterator,        // iter/task
  kTracefs,             // tracefs mounted (needed to list tracepoints)
};

const std::vector<Feature>& all_features();
std::string_view feature_name(Feature feature);  // e.g. "tp_btf"

struct FeatureStatus {
  bool available = false;
  std::string detail;  // why not (or a note when available)
};

// Kernel facts that are not yes/no features.
struct KernelInfo {
  std::string release;                            // uname -r
  std::string lockdown;                           // none / integrity / confidentiality / unknown
  std::vector<std::string> missing_capabilities;  // among CAP_BPF, CAP_PERFMON, ...
  bool memlock_raisable = false;                  // setrlimit(RLIMIT_MEMLOCK) allowed
  std::string cgroup_v2_path;                     // where cgroup2 is mounted, empty when not
  std::string tracefs_path;                       // where tracefs is mounted, empty when not
};

// The seam: tests substitute a fake with chosen answers.
class KernelFeatures {
 public:
  virtual ~KernelFeatures() = default;
  virtual FeatureStatus status(Feature feature) = 0;
  virtual KernelInfo info() = 0;
  bool has(Feature feature) { return status(feature).available; }
};

// Probes the running kernel with tiny BPF programs and attaches (detached
// again at once). Thread-safe; each feature is probed at most once.
class FeatureProbe : public KernelFeatures {
 public:
  FeatureStatus status(Feature feature) override;
  KernelInfo info() override;

 private:
  FeatureStatus probe(Feature feature);
  std::mutex mutex_;
  std::map<Feature, FeatureStatus> cache_;
};

// The process-wide probe used by the CLI and the agent.
KernelFeatures& kernel_features();

// Mounts tracefs at /sys/kernel/tracing when it is not mounted anywhere
// (tracepoint ids and formats live there). Returns the mount path, or an
// empty string with the reason logged.
std::string ensure_tracefs();

}  // namespace ksight::agent
