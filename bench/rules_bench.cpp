// Rules engine throughput: events per second per core with the default
// ruleset on the recorded mix (tests/rules/data/event_mix.jsonl), plus the
// cost of compiling the ruleset. Run: build/bench/rules_bench
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>
#include <vector>

#include "rules/engine.h"
#include "rules/event_json.h"

namespace {

using namespace ksight::rules;

std::vector<SecurityEvent> recorded_mix() {
  std::vector<SecurityEvent> events;
  std::ifstream in(std::string(KSIGHT_SOURCE_DIR) + "/tests/rules/data/event_mix.jsonl");
  std::string line, error;
  while (std::getline(in, line)) {
    if (auto ev = event_from_json(line, &error)) events.push_back(std::move(*ev));
  }
  return events;
}

std::shared_ptr<const RuleSet> default_rules() {
  return load_rules({{kDefaultRulesName, std::string(default_rules_yaml())}}).rules;
}

// The figure for the issue: events/s through Engine::process on one thread.
void BM_ProcessRecordedMix(benchmark::State& state) {
  auto events = recorded_mix();
  EngineOptions options;
  options.alert_limit = RateLimit{};
  options.hostname = "bench";
  Engine engine(default_rules(), options);
  std::vector<Alert> alerts;
  size_t i = 0;
  for (auto _ : state) {
    alerts.clear();
    engine.process(events[i], alerts);
    benchmark::DoNotOptimize(alerts.data());
    if (++i == events.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["rules"] = static_cast<double>(engine.rules()->enabled_count());
}
BENCHMARK(BM_ProcessRecordedMix);

// Worst case for the type index: every event is an open, the most ruled type.
void BM_ProcessOpensOnly(benchmark::State& state) {
  std::vector<SecurityEvent> opens;
  for (auto& ev : recorded_mix()) {
    if (ev.type == EventType::kOpenat) opens.push_back(std::move(ev));
  }
  EngineOptions options;
  options.alert_limit = RateLimit{};
  options.hostname = "bench";
  Engine engine(default_rules(), options);
  std::vector<Alert> alerts;
  size_t i = 0;
  for (auto _ : state) {
    alerts.clear();
    engine.process(opens[i], alerts);
    benchmark::DoNotOptimize(alerts.data());
    if (++i == opens.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProcessOpensOnly);

void BM_CompileDefaultRuleset(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(default_rules());
}
BENCHMARK(BM_CompileDefaultRuleset)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
