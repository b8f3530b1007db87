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
#include <string>
#include <vector>

#include "otel/span.h"

namespace ksight::otel {

// Spans sharing a Resource share one ResourceSpans with one "ksight"
// ScopeSpans, in first-seen order: the same grouping as encode_spans().
std::string serialize_export_request(const std::vector<Span>& spans);

}  // namespace ksight::otel
