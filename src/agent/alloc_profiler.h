#pragma once
// The user side of bpf/alloc.bpf.c: kernel allocations (kmalloc,
// kmem_cache_alloc) by kernel stack and process. pprof shape:
// {alloc_objects,count} {alloc_space,bytes} {inuse_objects,count}
// {inuse_space,bytes}; alloc_* count what was allocated since the previous
// drain, inuse_* what is still outstanding now (kfree matched by pointer).
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "agent/feature_probe.h"
#include "agent/offcpu_profiler.h"
#include "profile/profile.h"

struct alloc_bpf;

namespace ksight::agent {

struct KernelAllocOptions {
  uint32_t pid = 0;  // one process (thread group); 0: all
};

struct KernelAllocCounters {
  uint64_t lost_keys_full = 0;
  uint64_t stack_errors = 0;
};

class KernelAllocProfiler {
 public:
  KernelAllocProfiler(const KernelAllocOptions& options, KernelFeatures& features);
  ~KernelAllocProfiler();
  KernelAllocProfiler(const KernelAllocProfiler&) = delete;
  KernelAllocProfiler& operator=(const KernelAllocProfiler&) = delete;

  // Stacks with values {alloc_objects, alloc_space, inuse_objects, inuse_space}:
  // allocations since the previous drain, outstanding ones now.
  std::vector<StackRecord> drain();
  KernelAllocCounters counters() const;

 private:
  std::vector<uint64_t> stack(int32_t id);

  alloc_bpf* skel_ = nullptr;
  // Cumulative alloc values at the previous drain, per (tgid, stack id, comm).
  std::map<std::tuple<uint32_t, int32_t, std::string>, std::pair<uint64_t, uint64_t>> last_;
};

profile::Profile build_kernel_alloc_profile(const std::vector<StackRecord>& records,
                                            symbolizer::Symbolizer& symbolizer, int64_t time_nanos,
                                            int64_t duration_nanos);

}  // namespace ksight::agent
