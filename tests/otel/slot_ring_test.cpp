// SlotRing (src/export/otlp/slot_ring.h): the exporter's bounded span queue.
#include "export/otlp/slot_ring.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>

namespace ksight::otel {
namespace {

std::vector<int> drain(SlotRing<int>& ring) {
  std::vector<int> out;
  while (!ring.empty()) {
    out.push_back(ring.front());
    ring.pop_front();
  }
  return out;
}

// Against a std::deque model with the same bound.
TEST(SlotRing, KeepsOrderAcrossGrowthAndWrap) {
  SlotRing<int> ring(100);
  std::deque<int> model;
  int evicted = 0, model_evicted = 0;
  // Interleave pushes and pops so the head moves while the slots grow
  // 16 → 32 → 64 → 100, then wraps while full.
  for (int v = 0; v < 400; ++v) {
    evicted += ring.push_back(int{v});
    if (model.size() == 100) {
      model.pop_front();
      ++model_evicted;
    }
    model.push_back(v);
    if (v % 3 == 0) {
      ring.pop_front();
      model.pop_front();
    }
  }
  EXPECT_GT(evicted, 0);
  EXPECT_EQ(evicted, model_evicted);
  EXPECT_EQ(drain(ring), std::vector<int>(model.begin(), model.end()));
  EXPECT_EQ(ring.capacity(), 100u);
}

TEST(SlotRing, FullRingOverwritesTheOldest) {
  SlotRing<int> ring(4);
  for (int v = 0; v < 4; ++v) EXPECT_FALSE(ring.push_back(int{v}));
  EXPECT_TRUE(ring.push_back(4));
  EXPECT_TRUE(ring.push_back(5));
  EXPECT_EQ(ring.size(), 4u);
  EXPECT_EQ(drain(ring), (std::vector<int>{2, 3, 4, 5}));
}

TEST(SlotRing, GrowsOnlyAsFarAsItIsFilled) {
  SlotRing<int> ring(4096);
  for (int v = 0; v < 20; ++v) ring.push_back(int{v});
  EXPECT_EQ(ring.capacity(), 32u);
}

TEST(SlotRing, PushSlotIsFilledInPlaceAndClearReleases) {
  SlotRing<std::shared_ptr<std::string>> ring(8);
  auto held = std::make_shared<std::string>("span");
  bool evicted = true;
  ring.push_slot(evicted) = held;
  EXPECT_FALSE(evicted);
  EXPECT_EQ(held.use_count(), 2);
  ring.clear();
  EXPECT_EQ(held.use_count(), 1);  // not kept alive by an idle slot
  EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace ksight::otel
