#pragma once
// The user side of bpf/offcpu.bpf.c: off-CPU (blocked) time by stack,
// aggregated in the kernel and read out per window, and its pprof shape:
// sample types {samples,count} {off_cpu,nanoseconds}, one sample per
// (process, kernel stack, user stack) with the summed blocked time.
#include <cstdint>
#include <string>
#include <vector>

#include "agent/feature_probe.h"
#include "profile/profile.h"
#include "symbolizer/symbolizer.h"

struct offcpu_bpf;

namespace ksight::agent {

struct OffCpuOptions {
  uint64_t min_ns = 1000000;  // intervals shorter than this are not counted
  uint32_t pid = 0;           // one process (thread group); 0: all
  bool kernel_stacks = true;
  bool user_stacks = true;  // frame-pointer walk (bpf_get_stackid)
};

struct OffCpuStack {
  uint32_t pid = 0;
  std::string comm;
  std::vector<uint64_t> kernel;  // leaf first
  std::vector<uint64_t> user;    // leaf first
  uint64_t total_ns = 0;
  uint64_t count = 0;
};

struct OffCpuCounters {
  uint64_t lost_threads_full = 0;  // more threads off CPU at once than the map holds
  uint64_t lost_keys_full = 0;     // more distinct stacks than the counts map holds
  uint64_t stack_errors = 0;       // neither stack could be taken
};

class OffCpuProfiler {
 public:
  // Loads and attaches (tp_btf/sched_switch, or raw_tp when the kernel has
  // no tp_btf). Throws CapabilityError / ksight::Error.
  OffCpuProfiler(const OffCpuOptions& options, KernelFeatures& features);
  ~OffCpuProfiler();
  OffCpuProfiler(const OffCpuProfiler&) = delete;
  OffCpuProfiler& operator=(const OffCpuProfiler&) = delete;

  // Everything counted since the last drain, and clears the kernel maps.
  std::vector<OffCpuStack> drain();
  OffCpuCounters counters() const;
  const std::string& attach_mode() const { return attach_mode_; }  // "tp_btf" or "raw_tp"

 private:
  std::vector<uint64_t> stack(int32_t id);

  offcpu_bpf* skel_ = nullptr;
  std::string attach_mode_;
};

// One aggregated stack of any profile type: values line up with the
// profile's sample_types.
struct StackRecord {
  uint32_t pid = 0;
  std::string comm;
  std::vector<uint64_t> kernel;  // leaf first
  std::vector<uint64_t> user;    // leaf first
  std::vector<int64_t> values;
};

// Symbolizes `records` (one batch per process) and appends them to `profile`
// as samples labelled comm/pid, kernel frames above user frames.
void add_stack_samples(profile::Profile& profile, const std::vector<StackRecord>& records,
                       symbolizer::Symbolizer& symbolizer);

// Symbolizes `stacks` into a profile (pid 0 / kernel-only stacks keep their
// kernel frames). `time_nanos`/`duration_nanos` describe the window.
profile::Profile build_offcpu_profile(const std::vector<OffCpuStack>& stacks,
                                      symbolizer::Symbolizer& symbolizer, int64_t time_nanos,
                                      int64_t duration_nanos);

}  // namespace ksight::agent
