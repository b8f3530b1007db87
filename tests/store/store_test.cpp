#include "store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.h"
#include "export/pprof_reader.h"
#include "store/profile_fixture.h"

namespace ksight::store {
namespace {

using testing::fixture_profile;
using testing::leaf_value;

constexpr int64_t kSec = 1000000000;

Labels cpu_labels(const std::string& comm, const std::string& pid) {
  return {{"comm", comm}, {"pid", pid}, {"type", "cpu"}};
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/ksight-store-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  size_t files() const {
    return std::distance(std::filesystem::directory_iterator(path),
                         std::filesystem::directory_iterator());
  }
};

// What one fixture window and its series cost in the store's budget.
size_t window_cost(profile::Profile p) {
  shrink_to_fit(p);
  return Store::window_bytes(p);
}
size_t series_cost() {
  return Store::series_bytes(cpu_labels("app", "100"));
}

// Ten 10 s windows of "app" (leaf: 1 sample each) and of "db" (dbleaf: 2).
void fill(Store& store) {
  for (int i = 0; i < 10; ++i) {
    int64_t t = i * 10 * kSec;
    store.add_window(cpu_labels("app", "100"), fixture_profile({{{"main", "leaf"}, 1}}), t,
                     t + 10 * kSec);
    store.add_window(cpu_labels("db", "200"), fixture_profile({{{"main", "dbleaf"}, 2}}, "db", 200),
                     t, t + 10 * kSec);
  }
}

TEST(StoreTest, InsertListsSeriesAndLabels) {
  Store store;
  fill(store);
  auto series = store.series();
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].labels.at("comm"), "app");
  EXPECT_EQ(series[0].windows, 10u);
  EXPECT_EQ(series[0].first_ns, 0);
  EXPECT_EQ(series[0].last_ns, 100 * kSec);
  auto labels = store.label_values();
  EXPECT_EQ(labels["comm"], (std::set<std::string>{"app", "db"}));
  EXPECT_EQ(labels["type"], (std::set<std::string>{"cpu"}));
  EXPECT_EQ(store.stats().windows, 20u);
}

TEST(StoreTest, RangeQueryMergesOverlappingWindows) {
  Store store;
  fill(store);
  // [25 s, 55 s) overlaps windows starting at 20, 30, 40, 50.
  auto p = store.query(Selector::parse("comm=app"), {25 * kSec, 55 * kSec});
  EXPECT_EQ(leaf_value(p, "leaf"), 4);
  EXPECT_EQ(leaf_value(p, "dbleaf"), 0);
  EXPECT_EQ(p.time_nanos, 20 * kSec);
  EXPECT_EQ(p.duration_nanos, 40 * kSec);
  EXPECT_EQ(store.windows(Selector::parse("comm=app"), {25 * kSec, 55 * kSec}).size(), 4u);
}

TEST(StoreTest, LabelSelectionAcrossSeries) {
  Store store;
  fill(store);
  auto all = store.query({});
  EXPECT_EQ(leaf_value(all, "leaf"), 10);
  EXPECT_EQ(leaf_value(all, "dbleaf"), 20);
  auto db = store.query(Selector::parse(R"({type="cpu",pid="200"})"));
  EXPECT_EQ(leaf_value(db, "leaf"), 0);
  EXPECT_EQ(leaf_value(db, "dbleaf"), 20);
  auto none = store.query(Selector::parse("type=off_cpu"));
  EXPECT_TRUE(none.samples.empty());
}

TEST(StoreTest, SeriesLabelsReachTheSamples) {
  Store store;
  store.add_window({{"comm", "app"}, {"container_id", "c0ffee"}, {"type", "cpu"}},
                   fixture_profile({{{"main", "leaf"}, 1}}), 0, kSec);
  auto p = store.query({});
  ASSERT_EQ(p.samples.size(), 1u);
  EXPECT_EQ(p.samples[0].label("container_id"), "c0ffee");
}

TEST(StoreTest, WithoutSpillOldestWindowsAreEvicted) {
  size_t one = window_cost(fixture_profile({{{"main", "leaf"}, 1}}));
  Store store({one * 5 + 2 * series_cost(), "", 0});
  fill(store);
  auto stats = store.stats();
  EXPECT_LE(stats.windows, 5u);
  EXPECT_EQ(stats.evictions, 20u - stats.windows);
  EXPECT_LE(stats.memory_bytes, one * 5 + 2 * series_cost());
  // The newest survive.
  auto windows = store.windows({});
  ASSERT_FALSE(windows.empty());
  EXPECT_EQ(windows.back().start_ns, 90 * kSec);
  EXPECT_GE(windows.front().start_ns, 70 * kSec);
}

TEST(StoreTest, SpillsToDiskAndQueriesSpilledWindows) {
  TempDir dir;
  size_t one = window_cost(fixture_profile({{{"main", "leaf"}, 1}}));
  Store store({one * 4, dir.path, uint64_t{1} << 30});
  fill(store);
  auto stats = store.stats();
  EXPECT_EQ(stats.windows, 20u);
  EXPECT_GE(stats.spilled_windows, 16u);
  EXPECT_EQ(dir.files(), stats.spilled_windows);
  EXPECT_EQ(stats.evictions, 0u);
  // Spilled files are plain pprof.
  auto first = *std::filesystem::directory_iterator(dir.path);
  auto pprof = exporter::read_pprof_file(first.path().string());
  EXPECT_FALSE(pprof.samples.empty());
  auto p = store.query(Selector::parse("comm=app"));
  EXPECT_EQ(leaf_value(p, "leaf"), 10);
}

TEST(StoreTest, DiskCapEvictsOldestFirst) {
  TempDir dir;
  std::string probe_dir = dir.path + "/probe";
  std::filesystem::create_directories(probe_dir);
  {
    Store probe({0, probe_dir, uint64_t{1} << 30});
    fill(probe);
  }
  uint64_t file_bytes =
      std::filesystem::file_size(std::filesystem::directory_iterator(probe_dir)->path());
  std::filesystem::remove_all(probe_dir);
  Store store({0, dir.path, file_bytes * 6 + file_bytes / 2});
  fill(store);
  auto stats = store.stats();
  EXPECT_LE(stats.disk_bytes, file_bytes * 7);
  EXPECT_GE(stats.windows, 5u);
  EXPECT_LE(stats.windows, 7u);
  EXPECT_EQ(dir.files(), stats.windows);
  EXPECT_EQ(stats.evictions, 20u - stats.windows);
  EXPECT_GE(store.windows({}).front().start_ns, 60 * kSec);
}

TEST(StoreTest, ReloadsSpilledWindowsAfterRestart) {
  TempDir dir;
  {
    Store store({0, dir.path, uint64_t{1} << 30});  // everything spills at once
    fill(store);
    EXPECT_EQ(store.stats().spilled_windows, 20u);
  }
  Store again({uint64_t{1} << 20, dir.path, uint64_t{1} << 30});
  EXPECT_EQ(again.stats().windows, 20u);
  auto series = again.series(Selector::parse("comm=db"));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].labels, cpu_labels("db", "200"));
  EXPECT_EQ(series[0].windows, 10u);
  auto p = again.query(Selector::parse("comm=db"), {0, 30 * kSec});
  EXPECT_EQ(leaf_value(p, "dbleaf"), 6);
  EXPECT_TRUE(p.comments.empty());  // the metadata comment is not part of the profile
  // New windows do not overwrite reloaded files.
  again.add_window(cpu_labels("db", "200"), fixture_profile({{{"main", "dbleaf"}, 2}}, "db", 200),
                   100 * kSec, 110 * kSec);
  EXPECT_EQ(again.stats().windows, 21u);
}

TEST(StoreTest, RetentionEvictsWindowsOlderThanTheNewestMinusRetention) {
  TempDir dir;
  // Half of the windows in memory, half spilled: retention drops both kinds.
  size_t one = window_cost(fixture_profile({{{"main", "leaf"}, 1}}));
  Store store({one * 10, dir.path, uint64_t{1} << 30, 35 * kSec});
  fill(store);  // windows [0,10) ... [90,100) of two series; newest end 100 s
  auto stats = store.stats();
  // Kept: windows ending at or after 65 s, i.e. starting at 60, 70, 80, 90.
  EXPECT_EQ(stats.windows, 8u);
  EXPECT_EQ(stats.expired, 12u);
  EXPECT_EQ(stats.evictions, 12u);
  EXPECT_EQ(store.windows({}).front().start_ns, 60 * kSec);
  EXPECT_EQ(dir.files(), stats.spilled_windows);
  auto p = store.query(Selector::parse("comm=app"));
  EXPECT_EQ(leaf_value(p, "leaf"), 4);
}

TEST(StoreTest, RetentionAppliesToReloadedWindows) {
  TempDir dir;
  {
    Store store({0, dir.path, uint64_t{1} << 30});
    fill(store);
  }
  Store again({uint64_t{1} << 20, dir.path, uint64_t{1} << 30, 15 * kSec});
  EXPECT_EQ(again.stats().windows, 4u);  // starts 80 and 90, two series
  EXPECT_EQ(dir.files(), 4u);
}

TEST(StoreTest, ZeroRetentionKeepsEverything) {
  Store store({uint64_t{1} << 30, "", 0, 0});
  fill(store);
  EXPECT_EQ(store.stats().windows, 20u);
  EXPECT_EQ(store.stats().expired, 0u);
}

TEST(StoreTest, SeriesIsForgottenWithItsLastWindow) {
  size_t one = window_cost(fixture_profile({{{"main", "leaf"}, 1}}));
  Store store({3 * (one + series_cost()), "", 0});
  for (int pid = 1; pid <= 10; ++pid) {
    store.add_window(cpu_labels("sh", std::to_string(pid)),
                     fixture_profile({{{"main", "leaf"}, 1}}, "sh", pid), pid * kSec,
                     (pid + 1) * kSec);
  }
  auto stats = store.stats();
  EXPECT_LE(stats.windows, 3u);
  EXPECT_EQ(stats.series, stats.windows);
  auto series = store.series();
  ASSERT_EQ(series.size(), stats.windows);
  EXPECT_EQ(series.back().labels.at("pid"), "10");
  EXPECT_EQ(store.label_values()["pid"].count("1"), 0u);
  // A series that comes back gets a fresh id and its labels again.
  store.add_window(cpu_labels("sh", "1"), fixture_profile({{{"main", "leaf"}, 1}}, "sh", 1),
                   20 * kSec, 21 * kSec);
  EXPECT_EQ(store.series(Selector::parse("pid=1")).size(), 1u);
  EXPECT_EQ(leaf_value(store.query(Selector::parse("pid=1")), "leaf"), 1);
}

TEST(StoreTest, RejectsBackwardsWindow) {
  Store store;
  EXPECT_THROW(store.add_window({}, {}, 10, 5), Error);
}

}  // namespace
}  // namespace ksight::store
