#pragma once
// ksight spans → OTLP ExportTraceServiceRequest (official protos, generated at
// build time). Spans sharing a Resource (same process) share one
// ResourceSpans with a single ScopeSpans for the "ksight" scope.
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otel/span.h"

namespace ksight::otel {

using ExportRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

ExportRequest encode_spans(const std::vector<Span>& spans);

}  // namespace ksight::otel
