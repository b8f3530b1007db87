#pragma once
// HTTP source (bpf/http.bpf.c): TCP payloads from the socket syscalls →
// otel::HttpPipeline (HTTP/1.x parsing, pairing, spans, RED metrics) →
// the OTLP exporter when an endpoint is configured.
//
//   ring buffer ─▶ decode_http_payload ─▶ HttpPipeline ─▶ http_requests_total, ...
//                                                      └▶ BatchExporter ─▶ OTLP gRPC/HTTP
//
// Resource attributes come from the agent's process table (comm, exe,
// container id, pod uid); service.name from the configured mapping, else
// the comm.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "agent/event_source.h"
#include "export/otlp/otlp_transport.h"
#include "otel/http_tracker.h"
#include "otel/span.h"

namespace ksight::agent {

// Lets another source (function spans, src/agent/function_span_source.h)
// put its spans under this source's server spans and export them with its
// own. Set while the HTTP source runs, empty otherwise; both sides run on
// the agent's loop thread.
struct HttpTap {
  const otel::HttpTracker* tracker = nullptr;
  std::function<void(otel::Span&&)> emit;
};

// Which kernel hooks capture payloads (bpf/http.bpf.c): kAuto takes the
// sock:sock_{recv,send}_length tracepoints where Feature::kSockMsgTracepoints
// says they load, else the syscalls tracepoints; the others force one (an
// unavailable one fails the source with the probe's reason).
enum class HttpHooks { kAuto, kSock, kSyscalls };

struct HttpSourceOptions {
  uint32_t capture_bytes = 512;  // per syscall, at most KSIGHT_HTTP_MAX_CAPTURE
  HttpHooks hooks = HttpHooks::kAuto;
  // Only these processes (comm of the process, i.e. its main thread; exact);
  // empty: every process. Filtered in the kernel, before any copy.
  std::vector<std::string> comms;
  std::vector<std::string> routes;
  size_t max_paths = 500;
  std::vector<double> buckets;      // empty: the defaults
  bool metrics_kind_label = false;  // kind="server"|"client" on the RED metrics
  // service.name by container id (full or 12-char), exe basename or comm.
  std::map<std::string, std::string> service_names;
  otel::ExtraAttributes resource_attributes;       // on every span's resource
  std::string otlp_protocol = "grpc";              // or "http/protobuf"
  otel::TransportOptions otlp{.endpoint = ""};     // endpoint empty: spans are not exported
  otel::ExporterOptions exporter;                  // queue, batches, backoff
  double span_sample_ratio = 1.0;                  // traces without a sampled flag: share exported
  std::function<void(const otel::Span&)> on_span;  // tests, `--print-spans`
  std::shared_ptr<HttpTap> tap;                    // set: per-thread span history on
};

std::unique_ptr<EventSource> make_http_source(SourceContext& context, HttpSourceOptions options);

// One ring-buffer record → Payload (captured bytes point into `record`).
std::optional<otel::Payload> decode_http_payload(std::span<const uint8_t> record);

// The kernel's form of HttpSourceOptions::comms: each name NUL-padded to 16
// bytes as two words. Names longer than 15 bytes are cut to 15, as the
// kernel cuts comm; more than KSIGHT_HTTP_MAX_COMMS names or an empty one
// is an Error.
std::vector<std::array<uint64_t, 2>> comm_filter_words(const std::vector<std::string>& comms);

// The service name for a process under `names` (see HttpSourceOptions).
std::string service_name_for(const std::map<std::string, std::string>& names,
                             const std::string& container_id, const std::string& exe,
                             const std::string& comm);

// A process's OTel identity (exe basename, container, pod, service.name)
// from the agent's process table; pid and comm alone when it is unknown.
otel::ProcessIdentity process_identity(ProcessTable& processes,
                                       const std::map<std::string, std::string>& service_names,
                                       uint32_t pid, const std::string& comm);

}  // namespace ksight::agent
