// The engine: rate rules with a fake clock, per-rule token buckets, counters,
// hot reload.
#include <gtest/gtest.h>

#include <chrono>

#include "event_builders.h"
#include "rules/engine.h"

namespace ksight::rules {
namespace {

using namespace std::chrono_literals;
using testing::connect_event;
using testing::exec_event;

std::shared_ptr<const RuleSet> rules_from(const std::string& yaml) {
  auto result = load_rules({{"t.yaml", yaml}});
  EXPECT_TRUE(result.ok()) << result.diagnostics.format();
  return result.rules;
}

const char* kRateRule = R"(
- rule: Failed Connects
  desc: d
  condition: evt.type = connect and evt.res < 0 | count by (proc.name) > 3 within 10s
  output: many failures from %proc.name
  priority: NOTICE
)";

TEST(RateTrackerTest, SlidingWindowWithFakeTime) {
  RateTracker tracker(10'000'000'000ULL, CompareOp::kGt, 3);
  uint64_t t = 100'000'000'000ULL;
  EXPECT_FALSE(tracker.observe("a", t));
  EXPECT_FALSE(tracker.observe("a", t + 1'000'000'000));
  EXPECT_FALSE(tracker.observe("a", t + 2'000'000'000));
  uint64_t count = 0;
  EXPECT_TRUE(tracker.observe("a", t + 3'000'000'000, &count));
  EXPECT_EQ(count, 4u);
  // The count restarts after firing.
  EXPECT_FALSE(tracker.observe("a", t + 3'100'000'000));
  // Events spread wider than the window never add up.
  RateTracker slow(10'000'000'000ULL, CompareOp::kGt, 3);
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(slow.observe("a", t + i * 4'000'000'000ULL)) << i;
}

TEST(RateTrackerTest, KeysAreBoundedAndEvictionsCounted) {
  RateTracker tracker(1'000'000'000ULL, CompareOp::kGt, 100, /*max_keys=*/8);
  for (int i = 0; i < 100; ++i) tracker.observe("key" + std::to_string(i), 5'000'000'000ULL + i);
  EXPECT_LE(tracker.key_count(), 8u);
  EXPECT_EQ(tracker.evictions(), 92u);
}

TEST(EngineTest, RateRuleFiresOncePerBurstUsingTheInjectedClock) {
  auto clock = std::make_shared<FakeClock>();
  EngineOptions options;
  options.clock = clock;
  options.alert_limit = RateLimit{};
  Engine engine(rules_from(kRateRule), options);
  auto fail = connect_event("scanner", "10.0.0.9", 22, -111);
  int alerts = 0;
  for (int i = 0; i < 4; ++i) {
    alerts += engine.process(fail).size();
    clock->advance(1s);
  }
  EXPECT_EQ(alerts, 1);
  // A different key counts separately; successes do not count.
  auto other = connect_event("other", "10.0.0.9", 22, -111);
  auto ok = connect_event("scanner", "10.0.0.9", 22, 0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(engine.process(other).empty());
    EXPECT_TRUE(engine.process(ok).empty());
  }
  // Slow failures (one per 5 s) never reach 4 within 10 s.
  clock->advance(60s);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(engine.process(fail).empty()) << i;
    clock->advance(5s);
  }
}

TEST(EngineTest, RateAlertCarriesCountFields) {
  EngineOptions options;
  options.alert_limit = RateLimit{};
  Engine engine(rules_from(kRateRule), options);  // event time
  auto fail = connect_event("scanner", "10.0.0.9", 22, -111);
  std::vector<Alert> alerts;
  for (int i = 0; i < 4; ++i) {
    fail.ts_ns += 1'000'000;
    engine.process(fail, alerts);
  }
  ASSERT_EQ(alerts.size(), 1u);
  bool has_count = false;
  for (const auto& f : alerts[0].output_fields)
    has_count |= f.name == "rate.count" && f.value == "4";
  EXPECT_TRUE(has_count);
  EXPECT_NE(alerts[0].output.find("many failures from scanner"), std::string::npos);
}

const char* kShellRule = R"(
- rule: Shell
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: shell by %user.name
  priority: WARNING
)";

TEST(EngineTest, TokenBucketSuppressesAndCounts) {
  auto clock = std::make_shared<FakeClock>();
  EngineOptions options;
  options.clock = clock;
  options.alert_limit = RateLimit{1.0, 3.0};  // 3 at once, then 1/s
  Engine engine(rules_from(kShellRule), options);
  auto ev = exec_event("bash", {});
  int emitted = 0;
  for (int i = 0; i < 10; ++i) emitted += engine.process(ev).size();
  EXPECT_EQ(emitted, 3);
  clock->advance(2s);
  for (int i = 0; i < 10; ++i) emitted += engine.process(ev).size();
  EXPECT_EQ(emitted, 5);
  EngineCounters c = engine.counters();
  EXPECT_EQ(c.events, 20u);
  EXPECT_EQ(c.alerts, 5u);
  EXPECT_EQ(c.suppressed, 15u);
  ASSERT_EQ(c.rules.size(), 1u);
  EXPECT_EQ(c.rules[0].rule, "Shell");
  EXPECT_EQ(c.rules[0].priority, Priority::kWarning);
  EXPECT_EQ(c.rules[0].alerts, 5u);
  EXPECT_EQ(c.rules[0].suppressed, 15u);
}

TEST(EngineTest, ReloadKeepsOldRulesOnError) {
  EngineOptions options;
  options.alert_limit = RateLimit{};
  Engine engine(rules_from(kShellRule), options);
  auto bash = exec_event("bash", {});
  auto zsh = exec_event("zsh", {});
  EXPECT_EQ(engine.process(bash).size(), 1u);
  Diagnostics bad =
      engine.reload(std::vector<RuleSource>{{"bad.yaml", "- rule: X\n  condition: ((\n"}});
  EXPECT_TRUE(bad.has_errors());
  EXPECT_EQ(engine.process(bash).size(), 1u);
  std::string zsh_rule = kShellRule;
  zsh_rule.replace(zsh_rule.find("bash"), 4, "zsh");
  Diagnostics good = engine.reload(std::vector<RuleSource>{{"good.yaml", zsh_rule}});
  EXPECT_FALSE(good.has_errors()) << good.format();
  EXPECT_TRUE(engine.process(bash).empty());
  EXPECT_EQ(engine.process(zsh).size(), 1u);
  EngineCounters c = engine.counters();
  EXPECT_EQ(c.reloads, 1u);
  EXPECT_EQ(c.reload_failures, 1u);
}

}  // namespace
}  // namespace ksight::rules
