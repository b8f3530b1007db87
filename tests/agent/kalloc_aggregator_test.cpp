// The kernel-free half of the kernel allocation profiler: sampled records
// summed per (process, stack, size), in use while the kernel's live map
// still holds the sample's pointer and stamp, and bounded by it.
#include <gtest/gtest.h>

#include <random>

#include "agent/kalloc_aggregator.h"

namespace ksight::agent {
namespace {

const std::vector<uint64_t> kStackA = {0xffffffff81000010, 0xffffffff81000020};
const std::vector<uint64_t> kStackB = {0xffffffff81000030};

KernelAllocAggregator::Sample make_sample(uint64_t ptr, uint64_t stamp,
                                          const std::vector<uint64_t>& stack, uint64_t size = 512,
                                          bool tracked = true) {
  KernelAllocAggregator::Sample s;
  s.pid = 42;
  s.comm = "app";
  s.stack = stack;
  s.size = size;
  s.ptr = ptr;
  s.stamp = stamp;
  s.tracked = tracked;
  return s;
}

const AllocCount* find(const std::vector<AllocCount>& counts, const std::vector<uint64_t>& stack,
                       uint64_t size = 512) {
  for (const auto& c : counts) {
    if (c.kernel == stack && c.size == size) return &c;
  }
  return nullptr;
}

TEST(KallocAggregatorTest, AllocsPerTakeLiveWhileTheKernelHoldsThePointer) {
  KernelAllocAggregator agg;
  agg.add(make_sample(0x1000, 1, kStackA));
  agg.add(make_sample(0x2000, 2, kStackA));
  agg.add(make_sample(0x3000, 3, kStackB));
  auto first = agg.take({{0x1000, 1}, {0x2000, 2}, {0x3000, 3}});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(find(first, kStackA)->allocs, 2u);
  EXPECT_EQ(find(first, kStackA)->live, 2u);
  EXPECT_EQ(find(first, kStackA)->pid, 42u);
  EXPECT_EQ(find(first, kStackA)->comm, "app");
  EXPECT_EQ(find(first, kStackB)->live, 1u);

  // 0x2000 freed (gone from the kernel map), 0x3000 freed and its address
  // sampled again elsewhere (a newer stamp whose record is not read yet).
  auto second = agg.take({{0x1000, 1}, {0x3000, 9}});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(find(second, kStackA)->allocs, 0u) << "allocs are per take";
  EXPECT_EQ(find(second, kStackA)->live, 1u);
  EXPECT_EQ(agg.live_samples(), 1u);
  EXPECT_EQ(agg.keys(), 1u) << "a key with nothing live and no allocs is forgotten";

  EXPECT_TRUE(agg.take({}).empty());
  EXPECT_EQ(agg.live_samples(), 0u);
  EXPECT_EQ(agg.keys(), 0u);
}

TEST(KallocAggregatorTest, SizesAndProcessesAreSeparateKeys) {
  KernelAllocAggregator agg;
  agg.add(make_sample(0x1000, 1, kStackA, 64));
  agg.add(make_sample(0x2000, 2, kStackA, 4096));
  auto other = make_sample(0x3000, 3, kStackA, 64);
  other.pid = 43;
  agg.add(other);
  EXPECT_EQ(agg.take({}).size(), 3u);
}

TEST(KallocAggregatorTest, UntrackedSamplesCountAsAllocatedNeverInUse) {
  KernelAllocAggregator agg;
  agg.add(make_sample(0x1000, 1, kStackA, 512, false));
  auto counts = agg.take({{0x1000, 1}});
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].allocs, 1u);
  EXPECT_EQ(counts[0].live, 0u);
  EXPECT_EQ(agg.live_samples(), 0u);
}

TEST(KallocAggregatorTest, APointerSampledAgainReplacesItsOlderSample) {
  KernelAllocAggregator agg;
  agg.add(make_sample(0x1000, 1, kStackA));
  agg.add(make_sample(0x1000, 5, kStackB));  // the free of the first was not seen
  auto counts = agg.take({{0x1000, 5}});
  EXPECT_EQ(find(counts, kStackA)->live, 0u);
  EXPECT_EQ(find(counts, kStackA)->allocs, 1u);
  EXPECT_EQ(find(counts, kStackB)->live, 1u);
  EXPECT_EQ(agg.live_samples(), 1u);
}

// The bound: whatever was sampled, after a take the aggregator holds no
// more samples than the kernel map has entries, and no more keys than
// those samples use.
TEST(KallocAggregatorTest, MemoryIsBoundedByTheKernelLiveMap) {
  KernelAllocAggregator agg;
  std::mt19937_64 rng(7);
  std::unordered_map<uint64_t, uint64_t> kernel;  // a live map of at most 1000 entries
  uint64_t stamp = 0;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 2000; ++i) {
      uint64_t ptr = 0x10000 + (rng() % 50000) * 64;
      std::vector<uint64_t> stack = {0xffffffff81000000 + rng() % 300};
      ++stamp;
      bool tracked = kernel.size() < 1000 || kernel.count(ptr);
      if (tracked) kernel[ptr] = stamp;
      agg.add(make_sample(ptr, stamp, stack, 64 + rng() % 4 * 64, tracked));
      if (rng() % 2) kernel.erase(0x10000 + (rng() % 50000) * 64);  // frees
    }
    agg.take(kernel);
    ASSERT_LE(agg.live_samples(), kernel.size());
    ASSERT_LE(agg.keys(), agg.live_samples());
  }
}

}  // namespace
}  // namespace ksight::agent
