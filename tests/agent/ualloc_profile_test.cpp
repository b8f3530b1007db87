// The kernel-free half of the user allocation profiler: the exponential
// table, Go's unsampling, the pprof shape and finding the allocator in maps.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "agent/ualloc_profiler.h"

namespace ksight::agent {
namespace {

TEST(UallocUnsampleTest, ScaleFollowsGoFormula) {
  EXPECT_NEAR(unsample_scale(512 * 1024, 512 * 1024), 1.0 / (1.0 - std::exp(-1.0)), 1e-9);
  EXPECT_NEAR(unsample_scale(64, 512 * 1024), 8192.5, 0.5);  // ~rate/size for small sizes
  EXPECT_NEAR(unsample_scale(64u << 20, 512 * 1024), 1.0, 1e-9);
  EXPECT_EQ(unsample_scale(100, 1), 1.0);  // every allocation sampled
  EXPECT_EQ(unsample_scale(0, 4096), 1.0);
}

TEST(UallocUnsampleTest, ExponentialEdgesAreQuantilesWithTheRequestedMean) {
  const uint64_t rate = 512 * 1024;
  auto e = exponential_edges(rate, 1024);
  ASSERT_EQ(e.size(), 1025u);
  EXPECT_EQ(e[0], 0u);
  EXPECT_TRUE(std::is_sorted(e.begin(), e.end()));
  // The median of Exp(mean) is mean * ln 2; the first bin is ~rate/1024 wide.
  EXPECT_NEAR(static_cast<double>(e[512]), rate * std::log(2.0), 1.0);
  EXPECT_NEAR(static_cast<double>(e[1]), rate / 1024.0, 1.0);
  double mean = 0;  // of the piecewise-uniform draw
  for (size_t i = 0; i < 1024; ++i) mean += (e[i] + e[i + 1]) / 2.0 / 1024.0;
  EXPECT_NEAR(mean, rate, rate * 0.01);
  EXPECT_EQ(exponential_edges(1, 8), std::vector<uint64_t>(9, 0));
  EXPECT_EQ(draw_from_edges(exponential_edges(1, 8), 3, 12345), 0u);
}

// The BPF countdown (bpf/ualloc.bpf.c enter()) replayed over a known stream
// of mixed sizes: the unsampled totals come back within sampling error.
TEST(UallocUnsampleTest, CountdownSamplingUnsamplesToTheTruth) {
  const uint64_t rate = 64 * 1024;
  auto edges = exponential_edges(rate, 1024);
  std::mt19937 rng(42);
  auto draw = [&] { return draw_from_edges(edges, rng() & 1023, rng()); };
  uint64_t countdown = draw();
  const uint64_t sizes[] = {32, 256, 4096, 1 << 20};
  std::map<uint64_t, uint64_t> sampled, truth;
  for (int i = 0; i < 2000000; ++i) {
    uint64_t size = sizes[i % 4];
    truth[size] += size;
    if (size < countdown) {
      countdown -= size;
      continue;
    }
    countdown = draw();
    ++sampled[size];
  }
  std::vector<UserAllocCount> counts;
  for (auto [size, n] : sampled) counts.push_back({1, "t", {0x1000 + size}, size, n, 0});
  for (const auto& r : unsample_counts(counts, rate)) {
    uint64_t size = r.user[0] - 0x1000;
    double want = static_cast<double>(truth[size]);
    EXPECT_NEAR(static_cast<double>(r.values[1]), want, want * 0.05) << "size " << size;
  }
}

TEST(UallocUnsampleTest, CallerIsSplicedAfterTheLeafOnce) {
  EXPECT_EQ(splice_caller({0x10, 0x30}, 0x20), (std::vector<uint64_t>{0x10, 0x20, 0x30}));
  EXPECT_EQ(splice_caller({0x10, 0x20, 0x30}, 0x20), (std::vector<uint64_t>{0x10, 0x20, 0x30}));
  EXPECT_EQ(splice_caller({0x10}, 0x20), (std::vector<uint64_t>{0x10, 0x20}));
  EXPECT_EQ(splice_caller({}, 0x20), (std::vector<uint64_t>{0x20}));
  EXPECT_EQ(splice_caller({0x10, 0x30}, 0), (std::vector<uint64_t>{0x10, 0x30}));
}

TEST(UallocUnsampleTest, SizesOfOneStackMergeAndLiveBecomesInuse) {
  std::vector<UserAllocCount> counts = {
      {7, "app", {0x10, 0x20}, 1024, 3, 1},
      {7, "app", {0x10, 0x20}, 2048, 1, 1},
      {7, "app", {0x30}, 64, 0, 0},  // nothing in the window: dropped
      {8, "other", {0x10, 0x20}, 1024, 2, 0},
  };
  auto records = unsample_counts(counts, 1);  // every allocation sampled: scale 1
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].pid, 7u);
  EXPECT_EQ(records[0].values, (std::vector<int64_t>{4, 3 * 1024 + 2048, 2, 1024 + 2048}));
  EXPECT_EQ(records[1].values, (std::vector<int64_t>{2, 2048, 0, 0}));

  auto scaled = unsample_counts({{7, "app", {0x10}, 4096, 10, 5}}, 4096);
  double s = 1.0 / (1.0 - std::exp(-1.0));
  EXPECT_EQ(scaled[0].values[0], std::llround(10 * s));
  EXPECT_EQ(scaled[0].values[1], std::llround(10 * 4096 * s));
  EXPECT_EQ(scaled[0].values[3], std::llround(5 * 4096 * s));
}

class NamingSymbolizer : public symbolizer::Symbolizer {
 public:
  void observe_process(uint32_t) override {}
  void forget_process(uint32_t) override {}
  std::vector<symbolizer::SymbolizedAddress> symbolize_user(
      uint32_t, std::span<const uint64_t> addresses) override {
    std::vector<symbolizer::SymbolizedAddress> out;
    for (uint64_t a : addresses) {
      std::string name = "u_" + std::to_string(a);
      out.push_back({a, std::nullopt, {{name, name, "", 0}}, true});
    }
    return out;
  }
  std::vector<symbolizer::SymbolizedAddress> symbolize_kernel(
      std::span<const uint64_t> addresses) override {
    return symbolize_user(0, addresses);
  }
  symbolizer::SymbolizerStats stats() const override { return {}; }
};

TEST(UallocProfileTest, ProfileHasHeapSampleTypesAndLabels) {
  NamingSymbolizer symbolizer;
  std::vector<StackRecord> records = {{9, "app", {}, {0x500, 0x601}, {1, 100, 1, 100}}};
  auto p = build_user_alloc_profile(records, symbolizer, 512 * 1024, 5, 6);
  ASSERT_EQ(p.sample_types.size(), 4u);
  EXPECT_EQ(p.sample_types[0].type, "alloc_objects");
  EXPECT_EQ(p.sample_types[1].type, "alloc_space");
  EXPECT_EQ(p.sample_types[1].unit, "bytes");
  EXPECT_EQ(p.sample_types[2].type, "inuse_objects");
  EXPECT_EQ(p.sample_types[3].type, "inuse_space");
  EXPECT_EQ(p.period, 512 * 1024);
  ASSERT_EQ(p.samples.size(), 1u);
  EXPECT_EQ(p.samples[0].label("comm"), "app");
  ASSERT_EQ(p.samples[0].location_ids.size(), 2u);
  EXPECT_EQ(p.location(p.samples[0].location_ids[0]).lines[0].function, "u_1280");  // 0x500
  EXPECT_FALSE(p.location(p.samples[0].location_ids[0]).kernel);
}

TEST(UallocLibrariesTest, FindsLibcAndLibstdcxxUnderTheProcessRoot) {
  std::string maps =
      "55d0-55e0 r-xp 00000000 08:01 12 /usr/bin/app\n"
      "7f00-7f10 r--p 00000000 08:01 13 /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30\n"
      "7f20-7f30 r-xp 00028000 08:01 14 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
      "7f40-7f50 rw-p 00000000 00:00 0 \n"
      "7ffd-7ffe rw-p 00000000 00:00 0 [stack]\n";
  auto libs = find_allocator_libraries(maps, "/proc/42/root");
  EXPECT_EQ(libs.libc, "/proc/42/root/usr/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(libs.libstdcxx, "/proc/42/root/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30");

  auto none = find_allocator_libraries(
      "55d0-55e0 r-xp 00000000 08:01 12 /usr/bin/static\n"
      "7f20-7f30 r-xp 00000000 08:01 14 /usr/lib/libc.so.6 (deleted)\n",
      "");
  EXPECT_TRUE(none.libc.empty());
  auto musl =
      find_allocator_libraries("7f20-7f30 r-xp 00000000 08:01 14 /lib/ld-musl-x86_64.so.1\n", "");
  EXPECT_EQ(musl.libc, "/lib/ld-musl-x86_64.so.1");
  EXPECT_TRUE(none.libstdcxx.empty());
}

}  // namespace
}  // namespace ksight::agent
