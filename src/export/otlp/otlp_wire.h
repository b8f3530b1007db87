#pragma once
// ksight spans → the bytes of an OTLP ExportTraceServiceRequest, written
// straight from the spans with protobuf's own wire-format primitives
// (CodedOutputStream, WireFormatLite) and the field numbers of the classes
// generated from the official protos.
//
// Why not the generated classes (otlp_encode.h): building ~40 protobuf
// objects per span (each attribute a KeyValue, an AnyValue and heap strings
// for keys longer than 15 bytes), then walking them twice to size and
// serialise them, was ~30% of the agent's CPU with spans on
// (bench/http_overhead.sh PERF=1); here each span is one pass over its
// fields. The output is byte-for-byte what the generated classes serialise
// (tests/otel/otlp_wire_test.cpp compares them on varied spans and parses
// the result back with the official protos), so a receiver cannot tell.
//
// Text fields pass through to_utf8 like the generated path: proto3 strings
// must be UTF-8.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "otel/span.h"

namespace ksight::otel {

// Spans sharing a Resource share one ResourceSpans with one "ksight"
// ScopeSpans, in first-seen order: the same grouping as encode_spans().
std::string serialize_export_request(const std::vector<Span>& spans);

// The partial_success of an ExportTraceServiceResponse: spans the receiver
// rejected from an accepted request and its message. The protos pinned
// here (npm 0.34.0) predate the field; receivers built on opentelemetry-proto
// 0.19+ (every current collector) send it as field 1 {int64 rejected_spans
// = 1; string error_message = 2}, which protobuf's UnknownFieldSet reads.
struct PartialSuccess {
  int64_t rejected_spans = 0;
  std::string error_message;
};
// Empty response or no partial_success: {0, ""}. nullopt: not a response.
std::optional<PartialSuccess> parse_export_response(std::string_view bytes);

}  // namespace ksight::otel
