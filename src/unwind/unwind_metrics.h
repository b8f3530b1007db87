#pragma once
// The unwinder's counters on the agent's /metrics: why stacks came out
// partial (ksight_unwind_errors_total{reason}), which method produced the
// kept stack, and what the unwinder costs. One UnwindMetrics per unwinder:
// it publishes the growth since its last publish, so a source restarted on
// SIGHUP (a new unwinder counting from zero) keeps the counters monotonic.
#include <cstddef>

#include "metrics/registry.h"
#include "unwind/unwind_stats.h"

namespace ksight::unwind {

class UnwindMetrics {
 public:
  // Registers the families; every reason's series exists from the start
  // (at 0), so dashboards and alerts see the family before the first error.
  explicit UnwindMetrics(metrics::Registry& registry);

  // `stats` as returned by StackResolver::stats(); `state_bytes` by
  // DwarfUnwinder::approximate_bytes().
  void publish(const UnwindStats& stats, size_t state_bytes);

 private:
  metrics::Counter& errors_;        // ksight_unwind_errors_total{reason}
  metrics::Counter& samples_;       // ksight_unwind_samples_total{stack="fp"|"dwarf"}
  metrics::Counter& dwarf_;         // ksight_unwind_dwarf_stacks_total{result}
  metrics::Counter& seconds_;       // ksight_unwind_cpu_seconds_total
  metrics::Counter& maps_reloads_;  // ksight_unwind_maps_reloads_total
  metrics::Counter& evictions_;     // ksight_unwind_process_evictions_total
  metrics::Gauge& processes_;       // ksight_unwind_processes
  metrics::Gauge& state_bytes_;     // ksight_unwind_state_bytes
  UnwindStats last_;
};

}  // namespace ksight::unwind
