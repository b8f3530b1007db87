#include "unwind/unwind_metrics.h"

#include <string>

namespace ksight::unwind {
namespace {

double delta(uint64_t now, uint64_t before) {
  return now >= before ? static_cast<double>(now - before) : 0.0;
}

// DWARF stacks that stopped early and were not continued by a frame-pointer
// tail (spliced) nor reached the outermost frame.
uint64_t dwarf_partial(const UnwindStats& s) {
  uint64_t whole = s.dwarf_complete + s.spliced;
  return s.dwarf_used > whole ? s.dwarf_used - whole : 0;
}

}  // namespace

UnwindMetrics::UnwindMetrics(metrics::Registry& registry)
    : errors_(registry.counter("ksight_unwind_errors_total",
                               "User stacks that came out partial, by reason (src/unwind).",
                               {"reason"})),
      samples_(registry.counter("ksight_unwind_samples_total",
                                "User stacks resolved, by the method whose stack was kept "
                                "(fp: frame pointers verified exact; dwarf: unwound from CFI).",
                                {"stack"})),
      dwarf_(registry.counter("ksight_unwind_dwarf_stacks_total",
                              "DWARF-unwound stacks: complete (reached the outermost frame), "
                              "spliced (continued with the frame-pointer tail), partial.",
                              {"result"})),
      seconds_(registry.counter("ksight_unwind_cpu_seconds_total",
                                "Thread CPU time spent unwinding user stacks.")),
      maps_reloads_(registry.counter("ksight_unwind_maps_reloads_total",
                                     "Process maps re-read after a pc outside every module.")),
      evictions_(registry.counter("ksight_unwind_process_evictions_total",
                                  "Process unwind sessions evicted (least recently used).")),
      processes_(registry.gauge("ksight_unwind_processes", "Process unwind sessions held.")),
      state_bytes_(registry.gauge("ksight_unwind_state_bytes",
                                  "Approximate bytes of unwind state held (not counting the "
                                  "page cache behind mapped ELF files).")) {
  for (auto reason : kUnwindErrorNames) errors_.inc({std::string(reason)}, 0);
  for (const char* stack : {"fp", "dwarf"}) samples_.inc({stack}, 0);
  for (const char* result : {"complete", "spliced", "partial"}) dwarf_.inc({result}, 0);
}

void UnwindMetrics::publish(const UnwindStats& s, size_t state_bytes) {
  for (size_t i = 0; i < s.errors.size(); ++i) {
    errors_.inc({std::string(kUnwindErrorNames[i])}, delta(s.errors[i], last_.errors[i]));
  }
  samples_.inc({"fp"}, delta(s.fp_used, last_.fp_used));
  samples_.inc({"dwarf"}, delta(s.dwarf_used, last_.dwarf_used));
  dwarf_.inc({"complete"}, delta(s.dwarf_complete, last_.dwarf_complete));
  dwarf_.inc({"spliced"}, delta(s.spliced, last_.spliced));
  dwarf_.inc({"partial"}, delta(dwarf_partial(s), dwarf_partial(last_)));
  seconds_.inc({}, delta(s.unwind_nanos, last_.unwind_nanos) / 1e9);
  maps_reloads_.inc({}, delta(s.maps_reloads, last_.maps_reloads));
  evictions_.inc({}, delta(s.process_evictions, last_.process_evictions));
  processes_.set({}, static_cast<double>(s.processes));
  state_bytes_.set({}, static_cast<double>(state_bytes));
  last_ = s;
}

}  // namespace ksight::unwind
