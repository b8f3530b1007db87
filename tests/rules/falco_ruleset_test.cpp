// Falco's default ruleset with Falco's meaning: each synthetic event in
// data/falco_ruleset_events.jsonl (an attack one of Falco's rules
// describes, or a benign look-alike) fires exactly the rules it lists.
// Falco's file is third-party text kept out of the repository: the test
// reads $KSIGHT_FALCO_RULES, else /tmp/falco_rules.yaml, and is skipped
// with the reason when neither exists.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "rules/engine.h"
#include "rules/event_json.h"

namespace ksight::rules {
namespace {

std::string falco_rules_path() {
  const char* env = std::getenv("KSIGHT_FALCO_RULES");
  return env ? env : "/tmp/falco_rules.yaml";
}

TEST(FalcoRulesetTest, EventsFireTheRulesFalcoWouldFire) {
  std::string path = falco_rules_path();
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "NOT TESTED: no copy of Falco's falco_rules.yaml at " << path
                 << " (set KSIGHT_FALCO_RULES to one)";
  }
  LoadResult loaded = load_rule_files({path});
  ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.format();
  std::set<std::string> names;
  for (const auto& r : loaded.rules->rules()) names.insert(r.name);
  EngineOptions options;
  options.alert_limit = {0, 0};
  Engine engine(loaded.rules, options);

  std::ifstream in(std::string(KSIGHT_SOURCE_DIR) + "/tests/rules/data/falco_ruleset_events.jsonl");
  ASSERT_TRUE(in);
  std::string line;
  size_t events = 0, expected_alerts = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string error;
    auto event = event_from_json(line, &error);
    ASSERT_TRUE(event) << error << ": " << line;
    auto j = nlohmann::json::parse(line);
    std::vector<std::string> want;
    for (const auto& rule : j.at("expect")) {
      if (names.contains(rule.get<std::string>())) want.push_back(rule.get<std::string>());
    }
    std::vector<std::string> got;
    for (const auto& alert : engine.process(*event)) got.push_back(alert.rule);
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << j.value("tag", "") << ": " << line;
    ++events;
    expected_alerts += want.size();
  }
  std::printf("%zu events, %zu alerts from %zu loaded Falco rules\n", events, expected_alerts,
              names.size());
  EXPECT_GE(events, 30u);
}

}  // namespace
}  // namespace ksight::rules
