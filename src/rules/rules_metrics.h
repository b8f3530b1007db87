#pragma once
// Exposes the security feed's counters in the metrics registry (/metrics),
// refreshed at scrape time:
//   ksight_alerts_total{rule,priority}            alerts emitted
//   ksight_alerts_suppressed_total{rule}          dropped by the per-rule rate limit
//   ksight_alert_output_drops_total{output}       alerts an output could not deliver
//   ksight_rules_events_total                     events evaluated
//   ksight_rules_reloads_total{result}            ok / failed (old rules kept)
//   ksight_rate_rule_keys_evicted_total           rate-rule keys evicted at the cap
// Built only when the metrics module exists. `engine` and `outputs` must
// outlive the registry's use (the collector reads them on every scrape).
#include "metrics/registry.h"
#include "rules/engine.h"
#include "rules/outputs.h"

namespace ksight::rules {

void register_rules_metrics(metrics::Registry& registry, const Engine& engine,
                            const OutputSet* outputs);

}  // namespace ksight::rules
