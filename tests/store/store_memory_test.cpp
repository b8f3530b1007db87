// The store's memory budget bounds what the store really holds: windows of
// many short-lived processes (the off-CPU and kalloc pattern: a new pid per
// shell command, one series each) must not keep heap past store.memory_mib.
// Before the fix the store counted only its profiles' payload and kept the
// labels of every series it had ever seen, so the agent's RSS kept growing
// ~20 MB/min after the store said it was full. Counted with the global
// operator new of this binary (counting_new.cpp).
#include <gtest/gtest.h>

#include <iostream>

#include "counting_new.h"
#include "profile_fixture.h"
#include "store/store.h"

namespace ksight::store {
namespace {

constexpr int64_t kSec = 1000000000;

// One small window of one short-lived process, labelled like the agent's.
void add_process_window(Store& store, int i) {
  std::string pid = std::to_string(100000 + i);
  Labels labels = {{"comm", "worker-" + std::to_string(i % 7)},
                   {"pid", pid},
                   {"container_id", "host"},
                   {"type", i % 2 ? "offcpu" : "kalloc"}};
  std::string leaf = "leaf_function_number_" + std::to_string(i % 13);
  auto p = testing::fixture_profile({{{"_start", "main", "do_work", leaf}, 1}}, labels.at("comm"),
                                    100000 + i);
  int64_t t = (i / 100) * 10 * kSec;
  store.add_window(labels, std::move(p), t, t + 10 * kSec);
}

TEST(StoreMemoryTest, ManySmallWindowsOfShortLivedProcessesStayWithinTheBudget) {
  constexpr size_t kBudget = size_t{2} << 20;
  Store store({kBudget, "", 0});
  size_t before = testing::live_bytes();
  constexpr int kWindows = 60000;
  for (int i = 0; i < kWindows; ++i) add_process_window(store, i);
  size_t held = testing::live_bytes() - before;
  auto stats = store.stats();
  std::cout << kWindows << " windows added: " << stats.windows << " kept in " << stats.series
            << " series; estimate " << stats.memory_bytes << " bytes, really held " << held
            << " bytes (budget " << kBudget << ")\n";
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_LE(stats.memory_bytes, kBudget);
  // The estimate is an upper bound of what is held...
  EXPECT_LE(held, kBudget);
  // ... and not so loose that the budget would keep far less than it says.
  EXPECT_GE(held, stats.memory_bytes / 2);
  // A series whose last window is gone is forgotten.
  EXPECT_LE(stats.series, stats.windows);
  EXPECT_EQ(store.series().size(), stats.series);
}

// The accounting returns to exactly what is left, and nothing leaks.
TEST(StoreMemoryTest, EvictedWindowsGiveTheirBytesBack) {
  size_t before = testing::live_bytes();
  {
    Store store({size_t{1} << 20, "", 0, 5 * kSec});
    for (int i = 0; i < 5000; ++i) add_process_window(store, i);
    // A window far later expires every other one (5 s retention).
    Labels last = {{"comm", "last"}, {"type", "cpu"}};
    auto p = testing::fixture_profile({{{"main"}, 1}}, "last", 1);
    shrink_to_fit(p);
    size_t window = Store::window_bytes(p);
    store.add_window(last, std::move(p), 1000 * kSec, 1001 * kSec);
    auto stats = store.stats();
    EXPECT_EQ(stats.windows, 1u);
    EXPECT_EQ(stats.series, 1u);
    EXPECT_EQ(stats.memory_bytes, window + Store::series_bytes(last));
  }
  EXPECT_EQ(testing::live_bytes(), before);
}

}  // namespace
}  // namespace ksight::store
