#pragma once
// The user side of bpf/ualloc.bpf.c: user-space allocations of one process
// (malloc/calloc/realloc/aligned_alloc/posix_memalign/free in libc, operator
// new/delete in libstdc++), sampled in the kernel by bytes (one sample per
// `sample_bytes` on average) and unsampled here with Go's formula. pprof
// shape: {alloc_objects,count} {alloc_space,bytes} {inuse_objects,count}
// {inuse_space,bytes}; alloc_* since the previous drain, inuse_* now.
// User stacks are walked with frame pointers in BPF.
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "agent/alloc_sampling.h"
#include "agent/feature_probe.h"
#include "agent/offcpu_profiler.h"
#include "profile/profile.h"

struct ualloc_bpf;
struct bpf_link;
struct bpf_program;

namespace ksight::agent {

inline constexpr uint64_t kDefaultSampleBytes = 512 * 1024;  // Go's MemProfileRate

struct UserAllocOptions {
  uint32_t pid = 0;                             // the process (thread group) to profile; required
  uint64_t sample_bytes = kDefaultSampleBytes;  // mean bytes between samples; <= 1: every one
  // Whose /proc/PID/maps names the libc and libstdc++ to probe; 0: `pid`.
  // A command started under the profiler has not mapped them yet at exec,
  // so `ksight uallocs -c` passes its own pid (same root, same libraries).
  uint32_t libraries_of = 0;
};

struct UserAllocCounters {
  uint64_t lost_keys_full = 0;  // samples dropped: counts map full
  uint64_t lost_live_full = 0;  // sampled allocations whose free cannot be matched
  uint64_t stack_errors = 0;    // samples without a user stack
  uint64_t missed_returns = 0;  // calls whose return probe never ran
};

// Raw sampled counts of one (process, stack, request size), as the kernel
// keeps them (no kernel stack).
using UserAllocCount = AllocCount;

// A kernel stack (leaf first) with the allocator's caller spliced in after
// the leaf, unless the walk already has it.
std::vector<uint64_t> splice_caller(std::vector<uint64_t> stack, uint64_t caller);

profile::Profile build_user_alloc_profile(const std::vector<StackRecord>& records,
                                          symbolizer::Symbolizer& symbolizer, uint64_t rate,
                                          int64_t time_nanos, int64_t duration_nanos);

// The allocator libraries in a /proc/PID/maps text, as paths under
// `root` (e.g. "/proc/PID/root", so a process in another mount namespace
// works); empty when not mapped.
struct AllocatorLibraries {
  std::string libc;
  std::string libstdcxx;
};
AllocatorLibraries find_allocator_libraries(const std::string& maps, const std::string& root);

class UserAllocProfiler {
 public:
  // Attaches to the libc (required) and libstdc++ (when mapped) of
  // options.pid. Throws CapabilityError when uprobes are refused,
  // ksight::Error when the process is gone or has no libc mapped.
  UserAllocProfiler(const UserAllocOptions& options, KernelFeatures& features);
  ~UserAllocProfiler();
  UserAllocProfiler(const UserAllocProfiler&) = delete;
  UserAllocProfiler& operator=(const UserAllocProfiler&) = delete;

  std::vector<UserAllocCount> drain_counts();
  std::vector<StackRecord> drain() { return unsample_counts(drain_counts(), rate_); }
  UserAllocCounters counters() const;
  uint64_t rate() const { return rate_; }
  const std::vector<std::string>& attached() const { return attached_; }  // "lib:symbol"
  const std::vector<std::string>& skipped() const { return skipped_; }    // "lib:symbol: why"

 private:
  void attach_library(const std::string& path, bool cxx);
  // The entry program (and the shared return probe when `with_return`).
  bool attach_one(const std::string& path, const std::string& symbol, bpf_program* entry,
                  bool with_return);
  std::vector<uint64_t> stack(int32_t id);

  ualloc_bpf* skel_ = nullptr;
  uint32_t pid_ = 0;
  uint64_t rate_ = kDefaultSampleBytes;
  std::vector<bpf_link*> links_;
  std::vector<std::string> attached_;
  std::vector<std::string> skipped_;
  // Cumulative sampled allocs at the previous drain, per kernel key.
  std::map<std::tuple<uint32_t, int32_t, uint64_t, uint64_t, std::string>, uint64_t> last_;
};

}  // namespace ksight::agent
