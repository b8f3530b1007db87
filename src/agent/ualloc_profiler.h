#pragma once
// The user side of bpf/ualloc.bpf.c: user-space allocations of one process
// (malloc/calloc/realloc/aligned_alloc/posix_memalign/free in libc, operator
// new/delete in libstdc++), sampled in the kernel by bytes (one sample per
// `sample_bytes` on average) and unsampled here with Go's formula. pprof
// shape: {alloc_objects,count} {alloc_space,bytes} {inuse_objects,count}
// {inuse_space,bytes}; alloc_* since the previous drain, inuse_* now.
// User stacks are walked with frame pointers in BPF.
#include <array>
#include <cstdint>
#include <map>
#include <set>
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

// A struct ksight_ualloc_key (bpf/ualloc.h) as raw bytes, so this header
// does not need the BPF ABI header.
using UallocKeyBytes = std::array<uint8_t, 40>;

inline constexpr uint64_t kDefaultSampleBytes = 512 * 1024;  // Go's MemProfileRate

struct UserAllocOptions {
  // The process (thread group) to profile from the start; 0: none yet, the
  // agent attaches processes as they come (attach_process).
  uint32_t pid = 0;
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

// What UserAllocProfiler::prune deleted from the kernel maps.
struct UserAllocPruned {
  size_t keys = 0;    // counts entries (of exited processes, or idle)
  size_t live = 0;    // sampled allocations still "in use" by exited processes
  size_t stacks = 0;  // stacks no remaining key uses
};

class UserAllocProfiler {
 public:
  // Loads the BPF object, and attaches to options.pid when set. Throws
  // CapabilityError when uprobes are refused, ksight::Error as
  // attach_process does.
  UserAllocProfiler(const UserAllocOptions& options, KernelFeatures& features);
  ~UserAllocProfiler();
  UserAllocProfiler(const UserAllocProfiler&) = delete;
  UserAllocProfiler& operator=(const UserAllocProfiler&) = delete;

  // Probes the libc (required) and libstdc++ (when mapped) of `pid`, as
  // `libraries_of` (0: `pid`) maps them; the probes fire for `pid` only.
  // Throws ksight::Error when the process is gone or has no libc mapped;
  // attached() and skipped() then describe this call.
  void attach_process(uint32_t pid, uint32_t libraries_of = 0);
  // Removes the probes of `pid` (the process may be gone already).
  void detach_process(uint32_t pid);
  size_t processes() const { return links_.size(); }

  std::vector<UserAllocCount> drain_counts();
  std::vector<StackRecord> drain() { return unsample_counts(drain_counts(), rate_); }
  // After drain_counts(): deletes the keys of `gone` processes (and their
  // live pointers), keys idle since the previous drain (nothing sampled,
  // nothing in use: they come back with their next sample) and stacks no
  // remaining key uses, so a long-running agent's fixed-size kernel maps
  // hold what is active rather than filling up with history.
  UserAllocPruned prune(const std::set<uint32_t>& gone);
  UserAllocCounters counters() const;
  uint64_t rate() const { return rate_; }
  const std::vector<std::string>& attached() const { return attached_; }  // "lib:symbol"
  const std::vector<std::string>& skipped() const { return skipped_; }    // "lib:symbol: why"

 private:
  using Key = std::tuple<uint32_t, int32_t, uint64_t, uint64_t, std::string>;
  void attach_library(uint32_t pid, const std::string& path, bool cxx);
  // The entry program (and the shared return probe when `with_return`).
  bool attach_one(uint32_t pid, const std::string& path, const std::string& symbol,
                  bpf_program* entry, bool with_return);
  std::vector<uint64_t> stack(int32_t id);
  size_t prune_live(const std::set<uint32_t>& gone);

  ualloc_bpf* skel_ = nullptr;
  uint64_t rate_ = kDefaultSampleBytes;
  std::map<uint32_t, std::vector<bpf_link*>> links_;  // per attached process
  std::vector<std::string> attached_;
  std::vector<std::string> skipped_;
  // Cumulative sampled allocs at the previous drain, per kernel key.
  std::map<Key, uint64_t> last_;
  // Of the last drain: every key as the kernel holds it, and whether it was idle.
  std::vector<std::pair<UallocKeyBytes, bool>> drained_;
};

}  // namespace ksight::agent
