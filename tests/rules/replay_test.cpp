// The replay format and the recorded event mix under the default ruleset.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "event_builders.h"
#include "rules/engine.h"
#include "rules/event_json.h"
#include "rules/event_source.h"

namespace ksight::rules {
namespace {

TEST(ReplayTest, EventJsonRoundTrips) {
  SecurityEvent ev = testing::in_container(testing::connect_event("nc", "203.0.113.9", 4444));
  ev.set_arg("fd", "3");
  ev.proc.is_exe_from_memfd = true;
  std::string error;
  auto back = event_from_json(event_to_json(ev), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(event_to_json(*back), event_to_json(ev));
  EXPECT_EQ(back->fd.dport, 4444u);
  EXPECT_EQ(back->container_id, "3f2a9c1b7d4e");
  EXPECT_FALSE(event_from_json("{\"type\":\"nonsense\"}", &error));
  EXPECT_NE(error.find("unknown event type"), std::string::npos);
  EXPECT_FALSE(event_from_json("not json", &error));
}

TEST(ReplayTest, SourceSkipsAndCountsBadLines) {
  auto in = std::make_unique<std::istringstream>(
      "# comment\n\n{\"type\":\"execve\",\"proc\":{\"comm\":\"ls\"}}\nbroken\n"
      "{\"type\":\"procexit\"}\n");
  ReplaySource source(std::move(in));
  std::vector<EventType> seen;
  while (source.poll([&](const SecurityEvent& ev) { seen.push_back(ev.type); }, 0)) {
  }
  EXPECT_EQ(seen, (std::vector<EventType>{EventType::kExecve, EventType::kExit}));
  EXPECT_EQ(source.lost(), 1u);
}

TEST(ReplayTest, RecordedMixRaisesExactlyTheAttacks) {
  auto loaded = load_rules({{kDefaultRulesName, std::string(default_rules_yaml())}});
  ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.format();
  EngineOptions options;
  options.alert_limit = RateLimit{};
  Engine engine(loaded.rules, options);
  ReplaySource source(std::string(KSIGHT_SOURCE_DIR) + "/tests/rules/data/event_mix.jsonl");
  std::map<std::string, int> fired;
  std::vector<Alert> alerts;
  while (source.poll([&](const SecurityEvent& ev) { engine.process(ev, alerts); }, 0)) {
  }
  for (const auto& a : alerts) ++fired[a.rule];
  EXPECT_EQ(source.lost(), 0u);
  EXPECT_EQ(engine.counters().events, 4006u);
  std::map<std::string, int> expected = {
      {"Read Sensitive File By Untrusted Process", 1}, {"Terminal Shell In Container", 1},
      {"Execution From Temporary Directory", 1},       {"Reverse Shell Socket Redirect", 1},
      {"Outbound Connection To Miner Or C2 Port", 1},  {"Kernel Module Loaded", 1},
  };
  EXPECT_EQ(fired, expected);
}

}  // namespace
}  // namespace ksight::rules
