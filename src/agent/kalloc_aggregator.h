#pragma once
// The kernel-free half of the kernel allocation profiler: sampled kmalloc /
// kmem_cache_alloc records (bpf/alloc.bpf.c) summed per (process, stack,
// size), and which of them are still in use. The kernel keeps only the
// sampled pointers it has not seen freed (its `live` map, pointer → sample
// timestamp); take() compares the samples held here against a copy of it,
// so no free event is ever needed and a lost one cannot leak a sample here.
// Memory: one entry per sample in use (bounded by the kernel map) plus the
// keys sampled in the current window.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/alloc_sampling.h"

namespace ksight::agent {

class KernelAllocAggregator {
 public:
  struct Sample {
    uint32_t pid = 0;
    std::string_view comm;
    std::span<const uint64_t> stack;  // kernel, leaf first
    uint64_t size = 0;
    uint64_t ptr = 0;
    uint64_t stamp = 0;    // its value in the kernel's live map
    bool tracked = false;  // in the live map (false: the map was full)
  };

  void add(const Sample& s);
  // Counts of the samples added since the previous take (allocs) and of
  // those still in use now (live): a sample is in use while `live` maps its
  // pointer to its stamp.
  std::vector<AllocCount> take(const std::unordered_map<uint64_t, uint64_t>& live);

  size_t live_samples() const { return live_.size(); }
  size_t keys() const { return keys_.size(); }

 private:
  struct Key {
    uint32_t pid;
    std::string comm;
    std::vector<uint64_t> stack;
    uint64_t size;
    auto operator<=>(const Key&) const = default;
  };
  struct Counts {
    uint64_t allocs = 0;  // sampled since the previous take
    uint64_t live = 0;    // samples of this key in live_
  };
  using Keys = std::map<Key, Counts>;
  struct Live {
    uint64_t stamp;
    Keys::iterator key;
  };

  Keys keys_;
  std::unordered_map<uint64_t, Live> live_;  // by pointer
};

}  // namespace ksight::agent
