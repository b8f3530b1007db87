#pragma once
// Sampling allocations by bytes, shared by the user (bpf/ualloc.bpf.c) and
// kernel (bpf/alloc.bpf.c) allocation profilers: the exponential table the
// BPF countdowns draw from (bpf/include/ksight_exp_sample.h) and Go's
// unsampling of what they recorded.
#include <cstdint>
#include <string>
#include <vector>

#include "agent/offcpu_profiler.h"

namespace ksight::agent {

// How many allocations of `size` bytes one sample stands for when sampling
// one per `rate` bytes on average: 1 / (1 - exp(-size/rate)) (Go's
// scaleHeapSample); 1 when every allocation is sampled.
double unsample_scale(uint64_t size, uint64_t rate);

// The bin edges the BPF side draws from: edge i is the i/bins quantile of
// Exp(mean), the last one closes the tail bin at +2*mean; `bins + 1` values,
// all zero for mean <= 1 (sample everything).
std::vector<uint64_t> exponential_edges(uint64_t mean, size_t bins);

// One draw as the BPF side does it: bin `bin`, offset `offset` (random).
inline uint64_t draw_from_edges(const std::vector<uint64_t>& edges, uint32_t bin, uint32_t offset) {
  uint64_t lo = edges[bin], width = edges[bin + 1] - lo;
  return width ? lo + offset % width : lo;
}

// Raw sampled counts of one (process, stack, allocation size): `allocs`
// sampled in the window, `live` sampled and not freed.
struct AllocCount {
  uint32_t pid = 0;
  std::string comm;
  std::vector<uint64_t> user;  // leaf first
  uint64_t size = 0;
  uint64_t allocs = 0;
  uint64_t live = 0;
  std::vector<uint64_t> kernel{};  // leaf first (kernel allocations)
};

// Unsampled values {alloc_objects, alloc_space, inuse_objects, inuse_space}
// per (process, comm, kernel stack, user stack), summed over sizes.
std::vector<StackRecord> unsample_counts(const std::vector<AllocCount>& counts, uint64_t rate);

// The pprof shape of both: {alloc_objects,count} {alloc_space,bytes}
// {inuse_objects,count} {inuse_space,bytes}, period {space,bytes} = rate
// (as Go's heap profiles).
profile::Profile build_alloc_profile(const std::vector<StackRecord>& records,
                                     symbolizer::Symbolizer& symbolizer, uint64_t rate,
                                     int64_t time_nanos, int64_t duration_nanos);

}  // namespace ksight::agent
