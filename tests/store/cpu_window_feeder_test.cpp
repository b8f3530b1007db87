#include "store/cpu_window_feeder.h"

#include <gtest/gtest.h>

#include "store/profile_fixture.h"
#include "store/profile_merge.h"

namespace ksight::store {
namespace {

// Names every address "fn_<hex>" in one mapping per pid.
class FakeSymbolizer : public symbolizer::Symbolizer {
 public:
  void observe_process(uint32_t) override {}
  void forget_process(uint32_t) override {}
  std::vector<symbolizer::SymbolizedAddress> symbolize_user(
      uint32_t pid, std::span<const uint64_t> addresses) override {
    return named(addresses, "/bin/p" + std::to_string(pid), false);
  }
  std::vector<symbolizer::SymbolizedAddress> symbolize_kernel(
      std::span<const uint64_t> addresses) override {
    return named(addresses, "[kernel.kallsyms]", true);
  }
  symbolizer::SymbolizerStats stats() const override { return {}; }

 private:
  static std::vector<symbolizer::SymbolizedAddress> named(std::span<const uint64_t> addresses,
                                                          const std::string& path, bool kernel) {
    std::vector<symbolizer::SymbolizedAddress> out;
    for (uint64_t a : addresses) {
      symbolizer::MappedObject object;
      object.start = kernel ? 0xffffffff80000000 : 0x400000;
      object.limit = object.start + 0x100000;
      object.path = path;
      object.kernel = kernel;
      char name[32];
      snprintf(name, sizeof(name), "fn_%llx", static_cast<unsigned long long>(a));
      out.push_back({a, object, {{name, name, "", 0}}, true});
    }
    return out;
  }
};

struct FeederTest : ::testing::Test {
  Store store;
  FakeSymbolizer symbolizer;
  int64_t now = int64_t{1700000000} * 1000000000;
  std::unique_ptr<CpuWindowFeeder> feeder;

  void SetUp() override {
    feeder = std::make_unique<CpuWindowFeeder>(
        store, symbolizer, CpuWindowOptions{std::chrono::seconds(10), 19},
        [](uint32_t pid, std::string_view) {
          return pid == 1 ? Labels{{"container_id", "c1"}} : Labels{};
        },
        [this] { return now; });
  }

  void sample(uint32_t pid, const char* comm, std::vector<uint64_t> user) {
    profile::StackSample s;
    s.pid = s.tid = pid;
    s.comm = comm;
    s.user_stack = user;
    feeder->add(s);
  }
};

TEST_F(FeederTest, WindowsSplitByProcessWithLabels) {
  for (int i = 0; i < 3; ++i) sample(1, "web", {0x401000, 0x400500});
  sample(2, "db", {0x402000});
  EXPECT_EQ(feeder->tick(), 0u);  // window not over yet
  now += int64_t{10} * 1000000000;
  EXPECT_EQ(feeder->tick(), 2u);
  EXPECT_EQ(store.series().size(), 2u);
  auto series = store.series(Selector::parse("comm=web"));
  ASSERT_EQ(series.size(), 1u);
  Labels web = {{"comm", "web"}, {"pid", "1"}, {"container_id", "c1"}, {"type", "cpu"}};
  EXPECT_EQ(series[0].labels, web);
  auto p = store.query(Selector::parse("comm=web"));
  EXPECT_EQ(testing::leaf_value(p, "fn_401000"), 3);
  EXPECT_EQ(testing::leaf_value(p, "fn_402000"), 0);
  EXPECT_EQ(p.locations.size(), 2u);  // only web's own frames
  EXPECT_EQ(p.duration_nanos, int64_t{10} * 1000000000);
  EXPECT_EQ(feeder->windows_written(), 1u);
}

TEST_F(FeederTest, EmptyWindowsWriteNothingAndFlushClosesEarly) {
  now += int64_t{30} * 1000000000;
  EXPECT_EQ(feeder->tick(), 0u);
  sample(3, "cron", {0x403000});
  now += 1000000000;
  EXPECT_EQ(feeder->flush(), 1u);
  auto w = store.windows({});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].end_ns - w[0].start_ns, 1000000000);
}

TEST(SplitTest, KeepsOnlyUsedTables) {
  auto a = testing::fixture_profile({{{"main", "a_leaf"}, 2}}, "a", 1);
  auto b = testing::fixture_profile({{{"main", "b_leaf"}, 3}}, "b", 2);
  auto merged = merge_profiles({&a, &b});
  auto parts = split_by_process(merged);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].first.first, "a");
  EXPECT_EQ(parts[0].first.second, 1);
  EXPECT_EQ(parts[0].second.locations.size(), 2u);
  EXPECT_EQ(parts[0].second.mappings.size(), 1u);
  EXPECT_EQ(testing::leaf_value(parts[1].second, "b_leaf"), 3);
}

}  // namespace
}  // namespace ksight::store
