#pragma once
// Spans as ksight builds them, independent of the OTLP wire types
// (src/export/otlp/otlp_wire.h writes them as OTLP for the collector).
// HTTP spans follow the OpenTelemetry semantic conventions for HTTP
// (v1.23+ names: http.request.method, url.path, http.route,
// http.response.status_code, server.address, server.port, client.address,
// network.protocol.version).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "otel/http_tracker.h"
#include "otel/path_normalizer.h"
#include "otel/trace_context.h"

namespace ksight::otel {

struct Attribute {
  std::string_view key;  // a string literal: keys are the semconv names, never built
  std::variant<std::string, int64_t, bool, double> value;
};

// Attributes every resource carries besides the process's own
// (OTEL_RESOURCE_ATTRIBUTES: a cluster, an environment), as (key, value).
using ExtraAttributes = std::vector<std::pair<std::string, std::string>>;

// What a span's process is: service.name, host.name, process.pid, ...
struct Resource {
  std::vector<Attribute> attributes;
  // Owns the keys of the extra attributes (Attribute::key is a view).
  std::shared_ptr<const ExtraAttributes> extra;
  const Attribute* find(std::string_view key) const;
};

enum class StatusCode { kUnset = 0, kOk = 1, kError = 2 };

struct Span {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  uint64_t start_unix_ns = 0;
  uint64_t end_unix_ns = 0;
  std::vector<Attribute> attributes;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;
  std::shared_ptr<const Resource> resource;
  const Attribute* find(std::string_view key) const;
};

// The process behind an exchange, as the agent knows it.
struct ProcessIdentity {
  uint32_t pid = 0;
  std::string comm{};
  std::string executable{};  // basename of the exe
  std::string container_id{};
  std::string pod_uid{};
  std::string service_name{};  // empty: the comm
};

// The process's attributes, then each of `extra` whose key they do not
// already have: what ksight knows of the process wins over configuration.
std::shared_ptr<const Resource> make_resource(const ProcessIdentity& id, const std::string& host,
                                              std::shared_ptr<const ExtraAttributes> extra = {});

// The span of one exchange; `route` is the matched route template (span
// name and http.route), `boot_to_unix_ns` converts the kernel's
// CLOCK_BOOTTIME stamps to Unix time.
Span build_http_span(const HttpExchange& x, std::shared_ptr<const Resource> resource,
                     const std::optional<std::string>& route, int64_t boot_to_unix_ns);

// An HTTP span not built yet: what build_http_span needs, self-contained.
// The exporter builds it on its own thread when its batch leaves, so the
// ring-buffer thread never builds a span that is then dropped (queue full)
// and its ~15 attribute values are made once, off the capture path.
struct PendingHttpSpan {
  HttpExchange exchange;
  std::shared_ptr<const Resource> resource;
  std::optional<std::string> route;
  int64_t boot_to_unix_ns = 0;
  Span build() const { return build_http_span(exchange, resource, route, boot_to_unix_ns); }
};

// Whether a trace is sampled at `ratio` (0..1), decided by its id alone so
// that every span of a trace gets the same answer (OpenTelemetry's
// TraceIdRatioBased: the trace id's last 8 bytes against ratio * 2^64).
bool trace_sampled(const TraceId& id, double ratio);

// Spans from exchanges (normalises the path, then build_http_span).
class SpanBuilder {
 public:
  SpanBuilder(PathNormalizer& paths, int64_t boot_to_unix_ns)
      : paths_(paths), boot_to_unix_ns_(boot_to_unix_ns) {}
  Span build(const HttpExchange& x, std::shared_ptr<const Resource> resource) const;

 private:
  PathNormalizer& paths_;
  int64_t boot_to_unix_ns_;
};

// CLOCK_REALTIME - CLOCK_BOOTTIME, now.
int64_t boot_to_unix_offset_ns();

}  // namespace ksight::otel
