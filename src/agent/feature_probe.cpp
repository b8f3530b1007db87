#include "agent/feature_probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "agent/probe_programs.h"

namespace ksight::agent {
namespace {

struct FeatureDescription {
  Feature feature;
  const char* name;
};

constexpr FeatureDescription kFeatures[] = {
    {Feature::kBtf, "btf"},
    {Feature::kRingBuffer, "ringbuf"},
    {Feature::kTracefs, "tracefs"},
    {Feature::kTracepoint, "tracepoint"},
    {Feature::kRawTracepoint, "raw_tp"},
    {Feature::kTpBtf, "tp_btf"},
    {Feature::kSockMsgTracepoints, "sock_msg_tp"},
    {Feature::kUprobe, "uprobe"},
    {Feature::kPerfEventSampling, "perf_event"},
    {Feature::kHardwareCycles, "hw_cycles"},
    {Feature::kFentry, "fentry"},
    {Feature::kKprobe, "kprobe"},
    {Feature::kLsm, "lsm"},
    {Feature::kTc, "tc"},
    {Feature::kCgroupSkb, "cgroup_skb"},
    {Feature::kTaskIterator, "iter_task"},
};

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The mount point of the first filesystem of `fstype` in /proc/self/mountinfo.
std::string find_mount(const std::string& fstype) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    auto sep = line.find(" - ");
    if (sep == std::string::npos) continue;
    std::istringstream head(line.substr(0, sep)), tail(line.substr(sep + 3));
    std::string id, parent, devno, root, mount_point, type;
    head >> id >> parent >> devno >> root >> mount_point;
    tail >> type;
    if (type == fstype) return mount_point;
  }
  return {};
}

// The lockdown mode is the bracketed word of /sys/kernel/security/lockdown.
// securityfs is often not mounted in containers and minimal VMs: mount it
// for the read and leave things as they were.
std::string lockdown_mode() {
  const char* path = "/sys/kernel/security/lockdown";
  std::string line = read_first_line(path);
  if (line.empty() && find_mount("securityfs").empty() &&
      mount("securityfs", "/sys/kernel/security", "securityfs", 0, nullptr) == 0) {
    line = read_first_line(path);
    umount("/sys/kernel/security");
  }
  auto open = line.find('['), close = line.find(']');
  if (open == std::string::npos || close == std::string::npos) return "unknown";
  return line.substr(open + 1, close - open - 1);
}

std::vector<std::string> missing_capabilities() {
  struct Cap {
    int bit;
    const char* name;
  };
  static constexpr Cap kWanted[] = {{39, "CAP_BPF"},       {38, "CAP_PERFMON"},
                                    {21, "CAP_SYS_ADMIN"}, {24, "CAP_SYS_RESOURCE"},
                                    {12, "CAP_NET_ADMIN"}, {19, "CAP_SYS_PTRACE"}};
  // /proc/self/status CapEff is the effective set as a hex mask.
  std::ifstream in("/proc/self/status");
  std::string line;
  uint64_t effective = 0;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) == 0) effective = std::stoull(line.substr(7), nullptr, 16);
  }
  std::vector<std::string> missing;
  for (const auto& cap : kWanted) {
    if (!(effective & (1ULL << cap.bit))) missing.emplace_back(cap.name);
  }
  return missing;
}

bool memlock_raisable() {
  rlimit current{};
  if (getrlimit(RLIMIT_MEMLOCK, &current) != 0) return false;
  rlimit wanted{RLIM_INFINITY, RLIM_INFINITY};
  if (setrlimit(RLIMIT_MEMLOCK, &wanted) != 0) return false;
  return true;
}

}  // namespace

const std::vector<Feature>& all_features() {
  static const std::vector<Feature> features = [] {
    std::vector<Feature> out;
    for (const auto& f : kFeatures) out.push_back(f.feature);
    return out;
  }();
  return features;
}

std::string_view feature_name(Feature feature) {
  for (const auto& f : kFeatures) {
    if (f.feature == feature) return f.name;
  }
  return "unknown";
}

std::string ensure_tracefs() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::string mounted = find_mount("tracefs");
  if (!mounted.empty()) return mounted;
  const char* target = "/sys/kernel/tracing";
  if (mount("tracefs", target, "tracefs", 0, nullptr) != 0) {
    spdlog::warn("tracefs is not mounted and mounting it at {} failed: {}", target,
                 strerror(errno));
    return {};
  }
  spdlog::info("mounted tracefs at {} (tracepoint ids and formats live there)", target);
  return target;
}

KernelInfo FeatureProbe::info() {
  KernelInfo info;
  utsname uts{};
  if (uname(&uts) == 0) info.release = uts.release;
  info.lockdown = lockdown_mode();
  info.missing_capabilities = missing_capabilities();
  info.memlock_raisable = memlock_raisable();
  info.cgroup_v2_path = find_mount("cgroup2");
  info.tracefs_path = find_mount("tracefs");
  return info;
}

FeatureStatus FeatureProbe::status(Feature feature) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(feature);
  if (it != cache_.end()) return it->second;
  FeatureStatus result = probe(feature);
  cache_.emplace(feature, result);
  return result;
}

FeatureStatus FeatureProbe::probe(Feature feature) {
  switch (feature) {
    case Feature::kBtf:
      return probe_btf();
    case Feature::kRingBuffer:
      return probe_ringbuf();
    case Feature::kTracefs: {
      std::string path = ensure_tracefs();
      if (path.empty()) return {false, "tracefs not mounted and mount failed"};
      return {true, "mounted at " + path};
    }
    case Feature::kTracepoint:
      return probe_tracepoint(ensure_tracefs());
    case Feature::kRawTracepoint:
      return probe_raw_tracepoint();
    case Feature::kTpBtf:
      return probe_tp_btf();
    case Feature::kSockMsgTracepoints:
      return probe_sock_msg_tracepoints();
    case Feature::kUprobe:
      return probe_uprobe();
    case Feature::kPerfEventSampling:
      return probe_perf_event_sampling();
    case Feature::kHardwareCycles:
      return probe_hardware_cycles();
    case Feature::kFentry:
      return probe_fentry();
    case Feature::kKprobe:
      return probe_kprobe();
    case Feature::kLsm:
      return probe_lsm();
    case Feature::kTc:
      return probe_tc();
    case Feature::kCgroupSkb:
      return probe_cgroup_skb(find_mount("cgroup2"));
    case Feature::kTaskIterator:
      return probe_task_iterator();
  }
  return {false, "unknown feature"};
}

KernelFeatures& kernel_features() {
  static FeatureProbe probe;
  return probe;
}

}  // namespace ksight::agent
