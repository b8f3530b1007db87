#pragma once
// ksight spans → OTLP ExportTraceServiceRequest (official protos, generated at
// build time). Spans sharing a Resource (same process) share one
// ResourceSpans with a single ScopeSpans for the "ksight" scope.
//
// The transports send otlp_wire.h's bytes instead (one pass per span, no
// message objects); this encoder is the reference those bytes are checked
// against (tests/otel/otlp_wire_test.cpp).
#include <google/protobuf/arena.h>

#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otel/span.h"

namespace ksight::otel {

using ExportRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

ExportRequest encode_spans(const std::vector<Span>& spans);
// The same request allocated in `arena`. A 512-span batch is ~20k small
// protobuf objects; freeing them one by one cost more than encoding them.
ExportRequest* encode_spans(const std::vector<Span>& spans, google::protobuf::Arena& arena);

// SERVER, CLIENT, else INTERNAL, as the protos number them (both encoders).
opentelemetry::proto::trace::v1::Span::SpanKind otlp_span_kind(SpanKind kind);

}  // namespace ksight::otel
