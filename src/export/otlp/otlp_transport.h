#pragma once
// The two OTLP transports (https://opentelemetry.io/docs/specs/otlp/):
//   gRPC  opentelemetry.proto.collector.trace.v1.TraceService/Export, gzip;
//         retryable: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
//         ABORTED, CANCELLED, OUT_OF_RANGE, DATA_LOSS
//   HTTP  POST <base>/v1/traces, application/x-protobuf, gzip body;
//         retryable: 429, 502, 503, 504 and connection failures
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "export/otlp/exporter.h"

namespace ksight::otel {

struct TransportOptions {
  std::string endpoint = "localhost:4317";  // gRPC: host:port; HTTP: http://host:port
  std::chrono::milliseconds timeout{10000};
  bool gzip = true;
  // Sent with every export (gRPC metadata, keys lowercased; HTTP headers):
  // a collector's auth token or tenant, as OTEL_EXPORTER_OTLP_HEADERS.
  std::vector<std::pair<std::string, std::string>> headers;
};

std::unique_ptr<Transport> make_grpc_transport(const TransportOptions& options);
std::unique_ptr<Transport> make_http_transport(const TransportOptions& options);
// "grpc" or "http/protobuf" (the OTEL_EXPORTER_OTLP_PROTOCOL values).
std::unique_ptr<Transport> make_transport(const std::string& protocol,
                                          const TransportOptions& options);

// Whether an endpoint ("host:port", "[v6]:port", "http://host:port/...",
// "unix:...") is on this machine: localhost, 127.0.0.0/8, ::1, a unix
// socket. Compression pays only across a network (--otlp-compression auto).
bool is_loopback_endpoint(const std::string& endpoint);

// zlib level of OTLP/HTTP bodies: the fastest. At 10^5 spans/s compression
// is the exporter's largest cost; level 1 keeps most of the size gain.
inline constexpr int kOtlpGzipLevel = 1;

}  // namespace ksight::otel
