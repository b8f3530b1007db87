#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/error.h"
#include "metrics/process_metrics.h"

namespace ksight::metrics {
namespace {

TEST(Registry, CounterAddsAndIgnoresNegativeDeltas) {
  Registry r;
  auto& c = r.counter("x_total", "help", {"a"});
  c.inc({"1"});
  c.inc({"1"}, 2.5);
  c.inc({"1"}, -10);
  EXPECT_DOUBLE_EQ(c.value({"1"}), 3.5);
  EXPECT_DOUBLE_EQ(c.value({"2"}), 0);
}

// Any process can name itself with any bytes, any client can send any path:
// one invalid UTF-8 label value would fail the whole scrape.
TEST(Registry, LabelValuesAreMadeValidUtf8) {
  Registry r;
  auto& c = r.counter("by_comm_total", "help", {"comm"});
  c.inc({"bad\xff"});
  c.inc({"bad\xfe"}, 2);  // the same text once made valid: one series
  c.inc({"caf\xc3\xa9"});
  std::string text = r.render();
  EXPECT_NE(text.find("by_comm_total{comm=\"bad\xef\xbf\xbd\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("by_comm_total{comm=\"caf\xc3\xa9\"} 1"), std::string::npos) << text;
  EXPECT_EQ(text.find('\xff'), std::string::npos);
}

TEST(Registry, SetTotalNeverGoesBackwards) {
  Registry r;
  auto& c = r.counter("y_total", "help");
  c.set_total({}, 10);
  c.set_total({}, 4);
  EXPECT_DOUBLE_EQ(c.value({}), 10);
}

TEST(Registry, SameNameReturnsSameFamilyOtherShapeThrows) {
  Registry r;
  auto& a = r.counter("z_total", "help", {"a"});
  EXPECT_EQ(&a, &r.counter("z_total", "help", {"a"}));
  EXPECT_THROW(r.counter("z_total", "help", {"b"}), Error);
  EXPECT_THROW(r.gauge("z_total", "help"), Error);
}

TEST(Registry, EnforcesNamingConventions) {
  Registry r;
  EXPECT_THROW(r.counter("requests", "help"), Error);
  EXPECT_THROW(r.gauge("bytes_total", "help"), Error);
  EXPECT_THROW(r.gauge("9lives", "help"), Error);
  EXPECT_THROW(r.gauge("ok_bytes", "help", {"__reserved"}), Error);
  EXPECT_THROW(r.histogram("h_seconds", "help", {"le"}, {1}), Error);
  EXPECT_THROW(r.histogram("h_seconds", "help", {}, {2, 1}), Error);
}

TEST(Registry, WrongLabelCountThrows) {
  Registry r;
  auto& g = r.gauge("g_bytes", "help", {"a", "b"});
  EXPECT_THROW(g.set({"only-one"}, 1), Error);
}

TEST(Registry, HistogramBucketsObservations) {
  Registry r;
  auto& h = r.histogram("lat_seconds", "help", {}, {0.1, 1});
  h.observe({}, 0.05);
  h.observe({}, 0.1);  // le is inclusive
  h.observe({}, 0.5);
  h.observe({}, 7);
  auto snap = r.snapshot();
  const SeriesValue* s = nullptr;
  for (auto& f : snap)
    if (f.name == "lat_seconds") s = &f.series.begin()->second;
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->bucket_counts, (std::vector<uint64_t>{2, 1, 1}));
  EXPECT_EQ(s->count, 4u);
  EXPECT_DOUBLE_EQ(s->sum, 7.65);
}

TEST(Registry, HistogramAddBucketsMerges) {
  Registry r;
  auto& h = r.histogram("k_seconds", "help", {"s"}, {1, 2});
  h.add_buckets({"read"}, {1, 2, 3}, 10);
  h.add_buckets({"read"}, {1, 0, 0}, 0.5);
  EXPECT_EQ(h.count({"read"}), 7u);
}

TEST(CardinalityGuard, FoldsValuesBeyondLimitIntoOtherAndCounts) {
  Registry r(2);
  auto& c = r.counter("calls_total", "help", {"comm", "kind"});
  c.inc({"a", "x"});
  c.inc({"b", "x"});
  c.inc({"c", "x"}, 5);  // comm folded
  c.inc({"d", "x"}, 1);  // comm folded
  c.inc({"a", "x"});     // admitted values stay admitted
  EXPECT_DOUBLE_EQ(c.value({"a", "x"}), 2);
  EXPECT_DOUBLE_EQ(c.value({"other", "x"}), 6);
  EXPECT_DOUBLE_EQ(c.value({"c", "x"}), 0);
  EXPECT_EQ(c.series_count(), 3u);
  auto& folds = r.counter("ksight_metric_label_folds_total", "", {"metric"});
  EXPECT_DOUBLE_EQ(folds.value({"calls_total"}), 2);
}

TEST(CardinalityGuard, LimitChangeAppliesToExistingFamilies) {
  Registry r(1);
  auto& g = r.gauge("g_bytes", "help", {"k"});
  g.set({"a"}, 1);
  g.set({"b"}, 1);
  EXPECT_EQ(g.series_count(), 2u);  // a and other
  r.set_max_label_values(0);
  g.set({"c"}, 1);
  EXPECT_EQ(g.series_count(), 3u);
}

TEST(Registry, ConcurrentIncrementsAreNotLost) {
  Registry r;
  auto& c = r.counter("par_total", "help", {"t"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.inc({"x"});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_DOUBLE_EQ(c.value({"x"}), 40000);
}

TEST(Registry, CollectorsRunBeforeSnapshot) {
  Registry r;
  auto& g = r.gauge("tick", "help");
  int calls = 0;
  r.add_collector([&] { g.set({}, ++calls); });
  r.render();
  r.render();
  EXPECT_DOUBLE_EQ(g.value({}), 2);
}

TEST(ProcessMetrics, ParsesStatWithSpacesAndParensInComm) {
  std::string stat =
      "1234 (we ird) (x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 "
      "500 104857600 2560 18446744073709551615";
  auto s = parse_proc_stat(stat, 100, 4096, 1000);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1005);
  EXPECT_EQ(s->virtual_bytes, 104857600u);
  EXPECT_EQ(s->resident_bytes, 2560u * 4096);
  EXPECT_FALSE(parse_proc_stat("garbage", 100, 4096, 0));
  EXPECT_FALSE(parse_proc_stat("1 (x) S 1 2", 100, 4096, 0));
}

TEST(ProcessMetrics, SelfStatsAreSane) {
  auto s = read_self_stats();
  ASSERT_TRUE(s);
  EXPECT_GT(s->resident_bytes, 1u << 20);
  EXPECT_GE(s->open_fds, 3u);
}

}  // namespace
}  // namespace ksight::metrics
