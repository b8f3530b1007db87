#pragma once
// The user side of bpf/alloc.bpf.c: kernel allocations (kmalloc,
// kmem_cache_alloc) by kernel stack and process, sampled in the kernel by
// bytes (one sample per `sample_bytes` on average, each with its stack in
// the ring buffer) and unsampled here with Go's formula. pprof shape:
// {alloc_objects,count} {alloc_space,bytes} {inuse_objects,count}
// {inuse_space,bytes}, period = the rate; alloc_* count what was allocated
// since the previous drain, inuse_* what is still outstanding now (kfree /
// kmem_cache_free of a sampled pointer seen in the kernel).
#include <cstdint>
#include <vector>

#include "agent/alloc_sampling.h"
#include "agent/feature_probe.h"
#include "agent/kalloc_aggregator.h"
#include "agent/offcpu_profiler.h"
#include "profile/profile.h"

struct alloc_bpf;
struct ring_buffer;

namespace ksight::agent {

inline constexpr uint64_t kDefaultKallocSampleBytes = 256 * 1024;

struct KernelAllocOptions {
  uint32_t pid = 0;                                   // one process (thread group); 0: all
  uint64_t sample_bytes = kDefaultKallocSampleBytes;  // mean bytes between samples; <= 1: all
  uint32_t ring_bytes = 4u << 20;                     // ring buffer (a power of two, >= 4 KiB)
};

struct KernelAllocCounters {
  uint64_t samples = 0;            // records read from the ring buffer
  uint64_t lost_ringbuf_full = 0;  // sampled allocations not recorded
  uint64_t lost_live_full = 0;     // recorded, their free cannot be matched (not in inuse_*)
  uint64_t stack_errors = 0;       // recorded without a kernel stack
  uint64_t decode_errors = 0;      // records of an unexpected size or type
  // Tracepoint hits the kernel skipped because a BPF program was already
  // running on that CPU (an allocation or free inside an interrupt of one):
  // missed allocations are not counted, a missed free of a sampled pointer
  // leaves it in use.
  uint64_t recursion_misses = 0;
  uint64_t lost_total() const {
    return lost_ringbuf_full + lost_live_full + stack_errors + decode_errors + recursion_misses;
  }
};

class KernelAllocProfiler {
 public:
  // Loads and attaches (kmem tracepoints). Throws CapabilityError / ksight::Error.
  KernelAllocProfiler(const KernelAllocOptions& options, KernelFeatures& features);
  ~KernelAllocProfiler();
  KernelAllocProfiler(const KernelAllocProfiler&) = delete;
  KernelAllocProfiler& operator=(const KernelAllocProfiler&) = delete;

  // The ring buffer: an epoll fd to wait on, and reading what is pending
  // (without blocking / waiting up to timeout_ms). Return records handled.
  int poll_fd() const;
  int consume();
  int poll(int timeout_ms);

  // Raw sampled counts since the previous drain (allocs) and in use now (live).
  std::vector<AllocCount> drain_counts();
  // Unsampled values {alloc_objects, alloc_space, inuse_objects, inuse_space}.
  std::vector<StackRecord> drain() { return unsample_counts(drain_counts(), rate_); }
  KernelAllocCounters counters() const;
  uint64_t rate() const { return rate_; }
  size_t live_samples() const { return aggregator_.live_samples(); }

 private:
  static int on_record(void* self, void* data, size_t size);

  alloc_bpf* skel_ = nullptr;
  ring_buffer* ring_ = nullptr;
  uint64_t rate_;
  uint64_t samples_ = 0;
  uint64_t decode_errors_ = 0;
  KernelAllocAggregator aggregator_;
};

profile::Profile build_kernel_alloc_profile(const std::vector<StackRecord>& records,
                                            symbolizer::Symbolizer& symbolizer, uint64_t rate,
                                            int64_t time_nanos, int64_t duration_nanos);

}  // namespace ksight::agent
