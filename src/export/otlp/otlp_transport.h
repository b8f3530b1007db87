#pragma once
// The two OTLP transports (https://opentelemetry.io/docs/specs/otlp/):
//   gRPC  opentelemetry.proto.collector.trace.v1.TraceService/Export, gzip;
//         retryable: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
//         ABORTED, CANCELLED, OUT_OF_RANGE, DATA_LOSS
//   HTTP  POST <base>/v1/traces, application/x-protobuf, gzip body;
//         retryable: 429, 502, 503, 504 and connection failures
// Either over TLS (https:// endpoints), optionally with a client
// certificate (mutual TLS), as the SDKs' OTEL_EXPORTER_OTLP_CERTIFICATE,
// _CLIENT_CERTIFICATE and _CLIENT_KEY configure it.
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "export/otlp/exporter.h"

namespace ksight::otel {

// PEM files for TLS; empty: the defaults.
struct TlsFiles {
  std::string
      ca_certificate{};  // CAs trusted for the collector; empty: the system's (gRPC's roots)
  std::string client_certificate{};  // mutual TLS: both files or neither
  std::string client_key{};
};

struct TransportOptions {
  // gRPC: host:port, http://host:port (plaintext) or https://host:port (TLS).
  // HTTP: http(s)://host:port[/prefix], to which /v1/traces is appended.
  std::string endpoint = "localhost:4317";
  // HTTP: `endpoint` is the traces URL itself, used as is (the OTel
  // specification's rule for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); no path: /.
  bool endpoint_is_traces_url = false;
  // gRPC host:port without a scheme: plaintext (true) or TLS (false), as
  // OTEL_EXPORTER_OTLP_INSECURE. A scheme always decides by itself.
  bool insecure = true;
  TlsFiles tls{};
  std::chrono::milliseconds timeout{10000};
  bool gzip = true;
  // Sent with every export (gRPC metadata, keys lowercased; HTTP headers):
  // a collector's auth token or tenant, as OTEL_EXPORTER_OTLP_HEADERS.
  std::vector<std::pair<std::string, std::string>> headers{};
};

std::unique_ptr<Transport> make_grpc_transport(const TransportOptions& options);
std::unique_ptr<Transport> make_http_transport(const TransportOptions& options);
// "grpc" or "http/protobuf" (the OTEL_EXPORTER_OTLP_PROTOCOL values). Over
// TLS with files given, the transport follows their renewal (tls_files.h).
std::unique_ptr<Transport> make_transport(const std::string& protocol,
                                          const TransportOptions& options);

// Whether `options` make a TLS connection (see TransportOptions::insecure).
bool uses_tls(const TransportOptions& options);

// Whether an endpoint ("host:port", "[v6]:port", "http://host:port/...",
// "unix:...") is on this machine: localhost, 127.0.0.0/8, ::1, a unix
// socket. Compression pays only across a network (--otlp-compression auto).
bool is_loopback_endpoint(const std::string& endpoint);

// zlib level of OTLP/HTTP bodies: the fastest. At 10^5 spans/s compression
// is the exporter's largest cost; level 1 keeps most of the size gain.
inline constexpr int kOtlpGzipLevel = 1;

}  // namespace ksight::otel
