#pragma once
// The security feed's engine: evaluates a RuleSet against SecurityEvents.
//
//   auto loaded = load_rule_files(paths);            // or load_rules(...)
//   Engine engine(loaded.rules, options);
//   std::vector<Alert> alerts;
//   engine.process(event, alerts);                   // consumer thread
//   for (auto& a : alerts) outputs.emit(a);          // see outputs.h
//   ...
//   Diagnostics d = engine.reload(paths);            // any thread (SIGHUP)
//   EngineCounters c = engine.counters();            // any thread (/metrics)
//
// Threading: process() must be called from one thread at a time (the event
// consumer). reload(), set_rules() and counters() may be called from any
// thread; a new rule set is picked up by the next process() call. Rate rule
// windows and alert token buckets restart when the rule set changes.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "rules/alert.h"
#include "rules/clock.h"
#include "rules/rate.h"
#include "rules/ruleset.h"

namespace ksight::rules {

struct EngineOptions {
  // Time for rate windows and token buckets. Null: the event's own
  // timestamp, which makes replays deterministic.
  std::shared_ptr<Clock> clock;
  // Per-rule alert limit; alerts beyond it are counted as suppressed.
  RateLimit alert_limit{1.0, 20.0};
  // Per rate rule, how many `by` keys are tracked at most.
  size_t rate_max_keys = 4096;
  std::string hostname;  // "" = gethostname()
  // Rules less severe than this are not evaluated (Falco's `priority`).
  Priority min_priority = Priority::kDebug;
};

struct RuleCounter {
  std::string rule;
  Priority priority = Priority::kWarning;
  uint64_t alerts = 0;      // alerts emitted
  uint64_t suppressed = 0;  // dropped by the per-rule token bucket
};

struct EngineCounters {
  uint64_t events = 0;             // events processed
  uint64_t alerts = 0;             // total emitted
  uint64_t suppressed = 0;         // total rate-limited
  uint64_t rate_evictions = 0;     // rate rule keys evicted at the cap
  uint64_t reloads = 0;            // successful reloads
  uint64_t reload_failures = 0;    // reloads rejected (old rules kept)
  std::vector<RuleCounter> rules;  // only rules that alerted or were suppressed
};

class Engine {
 public:
  explicit Engine(std::shared_ptr<const RuleSet> rules, EngineOptions options = {});
  ~Engine();

  // Appends the alerts for `event` to `out`.
  void process(const SecurityEvent& event, std::vector<Alert>& out);
  std::vector<Alert> process(const SecurityEvent& event);

  // Loads `paths` and swaps them in; on errors keeps the current rules. The
  // returned diagnostics hold errors and warnings either way.
  Diagnostics reload(const std::vector<std::string>& paths);
  // Same, for rules already loaded (e.g. the embedded default plus files).
  Diagnostics reload(const std::vector<RuleSource>& sources);
  // Same, for a load already done; a failed one counts as a failed reload.
  Diagnostics reload(LoadResult result) { return apply(std::move(result)); }
  void set_rules(std::shared_ptr<const RuleSet> rules);

  std::shared_ptr<const RuleSet> rules() const;
  EngineCounters counters() const;

 private:
  struct Active;
  void refresh_active();
  bool fire(uint32_t index, const CompiledRule& rule, uint64_t now, std::vector<Alert>& out);
  void count(const CompiledRule& rule, bool suppressed);
  Diagnostics apply(LoadResult result);

  EngineOptions options_;
  mutable std::mutex rules_mu_;
  std::shared_ptr<const RuleSet> pending_;  // guarded by rules_mu_
  std::atomic<uint64_t> generation_{0};
  // Consumer-thread state.
  std::unique_ptr<Active> active_;
  uint64_t active_generation_ = ~0ULL;
  EvalContext ctx_;
  std::string key_;

  mutable std::mutex counters_mu_;
  std::map<std::string, RuleCounter> rule_counters_;  // guarded by counters_mu_
  std::atomic<uint64_t> events_{0}, alerts_{0}, suppressed_{0}, evictions_{0};
  std::atomic<uint64_t> reloads_{0}, reload_failures_{0};
};

}  // namespace ksight::rules
