// The unwinder's counters as the agent exports them on /metrics.
#include "unwind/unwind_metrics.h"

#include <gtest/gtest.h>

namespace ksight::unwind {
namespace {

TEST(UnwindMetrics, EveryReasonIsExportedFromTheStart) {
  metrics::Registry registry;
  UnwindMetrics m(registry);
  std::string text = registry.render();
  for (auto reason : kUnwindErrorNames) {
    EXPECT_NE(text.find("ksight_unwind_errors_total{reason=\"" + std::string(reason) + "\"} 0"),
              std::string::npos)
        << reason << "\n"
        << text;
  }
  EXPECT_NE(text.find("ksight_unwind_samples_total{stack=\"dwarf\"} 0"), std::string::npos);
}

TEST(UnwindMetrics, PublishesGrowthAndStaysMonotonicAcrossANewUnwinder) {
  metrics::Registry registry;
  auto& errors = registry.counter("ksight_unwind_errors_total", "", {"reason"});
  auto& samples = registry.counter("ksight_unwind_samples_total", "", {"stack"});
  auto& dwarf = registry.counter("ksight_unwind_dwarf_stacks_total", "", {"result"});
  UnwindStats s;
  s.samples = 10;
  s.fp_used = 3;
  s.dwarf_used = 7;
  s.dwarf_complete = 5;
  s.spliced = 1;
  s.error(UnwindError::kTruncatedStack) = 2;
  s.unwind_nanos = 2'000'000'000;
  {
    UnwindMetrics m(registry);
    m.publish(s, 4096);
    m.publish(s, 4096);  // nothing new: no double counting
  }
  EXPECT_EQ(errors.value({"truncated_stack"}), 2);
  EXPECT_EQ(errors.value({"no_cfi"}), 0);
  EXPECT_EQ(samples.value({"fp"}), 3);
  EXPECT_EQ(samples.value({"dwarf"}), 7);
  EXPECT_EQ(dwarf.value({"complete"}), 5);
  EXPECT_EQ(dwarf.value({"spliced"}), 1);
  EXPECT_EQ(dwarf.value({"partial"}), 1);
  EXPECT_DOUBLE_EQ(registry.counter("ksight_unwind_cpu_seconds_total", "").value({}), 2.0);
  EXPECT_EQ(registry.gauge("ksight_unwind_state_bytes", "").value({}), 4096);

  // A restarted source (SIGHUP) counts from zero again: the counters add on.
  UnwindMetrics again(registry);
  UnwindStats fresh;
  fresh.dwarf_used = 1;
  fresh.error(UnwindError::kTruncatedStack) = 1;
  again.publish(fresh, 0);
  EXPECT_EQ(errors.value({"truncated_stack"}), 3);
  EXPECT_EQ(samples.value({"dwarf"}), 8);
  EXPECT_EQ(dwarf.value({"partial"}), 2);
}

}  // namespace
}  // namespace ksight::unwind
