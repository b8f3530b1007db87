#include "agent/event_source.h"

namespace ksight::agent {

SourceCounters::SourceCounters(metrics::Registry& registry)
    : events(registry.counter("ksight_events_total",
                              "Kernel events seen per source (aggregated in kernel maps or "
                              "carried through ring buffers).",
                              {"source"})),
      lost(registry.counter("ksight_events_lost_total",
                            "Kernel events lost per source: ring buffer or map full.", {"source"})),
      decode_errors(registry.counter("ksight_events_decode_errors_total",
                                     "Ring-buffer records rejected by the decoder.", {"source"})) {}

}  // namespace ksight::agent
