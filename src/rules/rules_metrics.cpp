#include "rules/rules_metrics.h"

namespace ksight::rules {

void register_rules_metrics(metrics::Registry& registry, const Engine& engine,
                            const OutputSet* outputs) {
  auto& alerts = registry.counter("ksight_alerts_total", "Security alerts emitted, by rule.",
                                  {"rule", "priority"});
  auto& suppressed = registry.counter("ksight_alerts_suppressed_total",
                                      "Alerts dropped by the per-rule rate limit.", {"rule"});
  auto& drops = registry.counter("ksight_alert_output_drops_total",
                                 "Alerts an output could not deliver (queue full, retries spent).",
                                 {"output"});
  auto& events =
      registry.counter("ksight_rules_events_total", "Events evaluated by the rules engine.");
  auto& reloads =
      registry.counter("ksight_rules_reloads_total",
                       "Rule reloads; failed ones keep the previous rules.", {"result"});
  auto& evicted = registry.counter("ksight_rate_rule_keys_evicted_total",
                                   "Rate-rule keys evicted because a rule hit its key cap.");
  registry.add_collector([&, outputs] {
    EngineCounters c = engine.counters();
    for (const auto& r : c.rules) {
      alerts.set_total({r.rule, std::string(priority_name(r.priority))},
                       static_cast<double>(r.alerts));
      suppressed.set_total({r.rule}, static_cast<double>(r.suppressed));
    }
    events.set_total({}, static_cast<double>(c.events));
    reloads.set_total({"ok"}, static_cast<double>(c.reloads));
    reloads.set_total({"failed"}, static_cast<double>(c.reload_failures));
    evicted.set_total({}, static_cast<double>(c.rate_evictions));
    if (outputs) {
      for (const auto& sink : outputs->sinks()) {
        drops.set_total({sink->name()}, static_cast<double>(sink->drops()));
      }
    }
  });
}

}  // namespace ksight::rules
