#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <limits>

#include "metrics/process_metrics.h"

namespace ksight::metrics {
namespace {

TEST(Exposition, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(escape_help("line1\nback\\slash \"quotes\" stay"),
            "line1\\nback\\\\slash \"quotes\" stay");
}

TEST(Exposition, FormatsValues) {
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(-2), "-2");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1e-9), "1e-09");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(Exposition, RendersCounterGaugeWithHelpTypeAndSortedSeries) {
  Registry r;
  r.counter("ksight_events_total", "Events.", {"source"}).inc({"b"}, 2);
  r.counter("ksight_events_total", "Events.", {"source"}).inc({"a\"x"}, 1);
  r.gauge("temp_celsius", "A gauge.").set({}, 1.5);
  std::string text = r.render();
  EXPECT_NE(text.find("# HELP ksight_events_total Events.\n"
                      "# TYPE ksight_events_total counter\n"
                      "ksight_events_total{source=\"a\\\"x\"} 1\n"
                      "ksight_events_total{source=\"b\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE temp_celsius gauge\ntemp_celsius 1.5\n"), std::string::npos);
}

TEST(Exposition, RendersHistogramCumulativeWithInfSumCount) {
  Registry r;
  auto& h = r.histogram("op_duration_seconds", "Op latency.", {"op"}, {0.5, 1});
  h.observe({"read"}, 0.25);
  h.observe({"read"}, 0.75);
  h.observe({"read"}, 3);
  std::string text = r.render();
  EXPECT_NE(text.find("# TYPE op_duration_seconds histogram\n"
                      "op_duration_seconds_bucket{op=\"read\",le=\"0.5\"} 1\n"
                      "op_duration_seconds_bucket{op=\"read\",le=\"1\"} 2\n"
                      "op_duration_seconds_bucket{op=\"read\",le=\"+Inf\"} 3\n"
                      "op_duration_seconds_sum{op=\"read\"} 4\n"
                      "op_duration_seconds_count{op=\"read\"} 3\n"),
            std::string::npos)
      << text;
}

TEST(Exposition, EmptyFamiliesAreAnnounced) {
  Registry r;
  r.counter("never_total", "Nothing yet.", {"x"});
  std::string text = r.render();
  EXPECT_NE(text.find("# TYPE never_total counter\n"), std::string::npos);
  EXPECT_EQ(text.find("never_total{"), std::string::npos);
}

TEST(Exposition, ProcessMetricsAndBuildInfoPresent) {
  Registry r;
  register_process_metrics(r, "1.2.3");
  std::string text = r.render();
  EXPECT_NE(text.find("ksight_build_info{version=\"1.2.3\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("\nprocess_cpu_seconds_total "), std::string::npos);
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("# TYPE ksight_metric_label_folds_total counter"), std::string::npos);
  // This test binary has allocated: the heap in use is not zero.
  EXPECT_NE(text.find("ksight_heap_bytes{state=\"in_use\"} "), std::string::npos) << text;
  EXPECT_EQ(text.find("ksight_heap_bytes{state=\"in_use\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace ksight::metrics
