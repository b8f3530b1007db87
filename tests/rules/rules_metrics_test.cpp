// The /metrics bridge: engine counters appear as Prometheus series.
#include <gtest/gtest.h>

#include "event_builders.h"
#include "rules/rules_metrics.h"

namespace ksight::rules {
namespace {

TEST(RulesMetricsTest, CountersAppearAtScrapeTime) {
  auto loaded = load_rules({{"t.yaml", R"(
- rule: Shell
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: shell
  priority: WARNING
)"}});
  ASSERT_TRUE(loaded.ok());
  EngineOptions options;
  options.alert_limit = RateLimit{1.0, 2.0};
  options.clock = std::make_shared<FakeClock>();
  Engine engine(loaded.rules, options);
  OutputSet outputs;
  metrics::Registry registry;
  register_rules_metrics(registry, engine, &outputs);
  for (int i = 0; i < 5; ++i) engine.process(testing::exec_event("bash", {}));
  engine.reload(std::vector<RuleSource>{{"bad.yaml", "- rule: [x"}});
  std::string text = registry.render();
  EXPECT_NE(text.find("ksight_alerts_total{rule=\"Shell\",priority=\"Warning\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ksight_alerts_suppressed_total{rule=\"Shell\"} 3"), std::string::npos);
  EXPECT_NE(text.find("ksight_rules_events_total 5"), std::string::npos);
  EXPECT_NE(text.find("ksight_rules_reloads_total{result=\"failed\"} 1"), std::string::npos);
  EXPECT_NE(text.find("# TYPE ksight_alert_output_drops_total counter"), std::string::npos);
}

}  // namespace
}  // namespace ksight::rules
