#include "otel/span.h"

#include <time.h>

#include "otel/http_url.h"

namespace ksight::otel {
namespace {

const Attribute* find_in(const std::vector<Attribute>& attrs, std::string_view key) {
  for (const auto& a : attrs)
    if (a.key == key) return &a;
  return nullptr;
}

// "host:port" / "[v6]:port" / "host" → (host, port or 0).
std::pair<std::string, int64_t> split_host(std::string_view host) {
  size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || host.find(']', colon) != std::string_view::npos) {
    return {std::string(host), 0};
  }
  int64_t port = 0;
  for (char c : host.substr(colon + 1)) {
    if (c < '0' || c > '9') return {std::string(host), 0};
    port = port * 10 + (c - '0');
  }
  std::string_view name = host.substr(0, colon);
  if (name.size() >= 2 && name.front() == '[') name = name.substr(1, name.size() - 2);
  return {std::string(name), port};
}

// Status per semconv: 5xx is an error on both sides, 4xx only for clients.
StatusCode status_for(SpanKind kind, int code) {
  if (code >= 500 || code < 100) return StatusCode::kError;
  if (kind == SpanKind::kClient && code >= 400) return StatusCode::kError;
  return StatusCode::kUnset;
}

}  // namespace

const Attribute* Resource::find(std::string_view key) const {
  return find_in(attributes, key);
}
const Attribute* Span::find(std::string_view key) const {
  return find_in(attributes, key);
}

std::shared_ptr<const Resource> make_resource(const ProcessIdentity& id, const std::string& host,
                                              std::shared_ptr<const ExtraAttributes> extra) {
  auto r = std::make_shared<Resource>();
  auto add = [&](const char* k, std::variant<std::string, int64_t, bool, double> v) {
    r->attributes.push_back({k, std::move(v)});
  };
  add("service.name", id.service_name.empty() ? id.comm : id.service_name);
  if (!host.empty()) add("host.name", host);
  add("process.pid", int64_t{id.pid});
  if (!id.executable.empty() || !id.comm.empty()) {
    add("process.executable.name", id.executable.empty() ? id.comm : id.executable);
  }
  if (!id.container_id.empty()) add("container.id", id.container_id);
  if (!id.pod_uid.empty()) add("k8s.pod.uid", id.pod_uid);
  add("telemetry.sdk.name", std::string("ksight"));
  if (extra) {
    for (const auto& [key, value] : *extra) {
      if (!r->find(key)) r->attributes.push_back({key, value});
    }
    r->extra = std::move(extra);
  }
  return r;
}

Span SpanBuilder::build(const HttpExchange& x, std::shared_ptr<const Resource> resource) const {
  return build_http_span(x, std::move(resource), paths_.normalize(x.request.target).route,
                         boot_to_unix_ns_);
}

bool trace_sampled(const TraceId& id, double ratio) {
  if (ratio >= 1) return true;
  if (!(ratio > 0)) return false;  // NaN too
  uint64_t v = 0;
  for (size_t i = 8; i < 16; ++i) v = v << 8 | id[i];
  // ratio * 2^64 as a double is exact enough: the bound is what matters.
  return static_cast<double>(v) < ratio * 18446744073709551616.0;
}

Span build_http_span(const HttpExchange& x, std::shared_ptr<const Resource> resource,
                     const std::optional<std::string>& route, int64_t boot_to_unix_ns) {
  Span s;
  s.attributes.reserve(16);
  s.trace_id = x.trace_id;
  s.span_id = x.span_id;
  s.parent_span_id = x.parent_span_id;
  s.kind = x.kind;
  s.start_unix_ns = x.start_ns + boot_to_unix_ns;
  s.end_unix_ns = std::max(x.end_ns, x.start_ns) + boot_to_unix_ns;
  s.resource = std::move(resource);
  const HttpMessage& req = x.request;
  // An extension method is "_OTHER", and the span is named "HTTP" (the
  // conventions' name for an unknown method).
  bool standard = is_standard_http_method(req.method);
  s.name = standard ? req.method : "HTTP";
  if (route) (s.name += ' ') += *route;
  auto add = [&](const char* k, std::variant<std::string, int64_t, bool, double> v) {
    s.attributes.push_back({k, std::move(v)});
  };
  add("http.request.method", standard ? req.method : std::string("_OTHER"));
  if (!standard) add("http.request.method_original", req.method);
  add("url.path", std::string(target_path(req.target)));
  if (route) add("http.route", *route);
  add("http.response.status_code", int64_t{x.response.status});
  add("network.protocol.name", std::string("http"));
  // The version both ends speak: an HTTP/1.1 client of an HTTP/1.0 server
  // (or the reverse) talks HTTP/1.0.
  const std::string& resp_version = x.response.version;
  add("network.protocol.version",
      resp_version.empty() || req.version < resp_version ? req.version : resp_version);
  auto [host, host_port] = split_host(req.host);
  if (x.kind == SpanKind::kServer) {
    add("url.scheme", original_scheme(req));
    if (std::string_view query = target_query(req.target); !query.empty())
      add("url.query", redact_query(query));
    add("server.address", host.empty() ? x.local.address : host);
    add("server.port", int64_t{host_port ? host_port : x.local.port});
    std::string client = original_client(req);
    if (!client.empty()) {
      add("client.address", std::move(client));
    } else if (!x.peer.address.empty()) {
      add("client.address", x.peer.address);
    }
  } else {
    add("url.full", client_url(req, x.peer));
    add("server.address", host.empty() ? x.peer.address : host);
    add("server.port", int64_t{host_port ? host_port : x.peer.port});
  }
  if (!x.peer.address.empty()) {
    add("network.peer.address", x.peer.address);
    add("network.peer.port", int64_t{x.peer.port});
  }
  if (!req.user_agent.empty()) add("user_agent.original", req.user_agent);
  if (req.headers_truncated) add("ksight.http.headers_truncated", true);
  s.status = status_for(x.kind, x.response.status);
  if (s.status == StatusCode::kError) {
    s.status_message = "HTTP " + std::to_string(x.response.status);
    add("error.type", std::to_string(x.response.status));
  }
  return s;
}

int64_t boot_to_unix_offset_ns() {
  timespec real{}, boot{};
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  return (int64_t{real.tv_sec} - boot.tv_sec) * 1'000'000'000 + (real.tv_nsec - boot.tv_nsec);
}

}  // namespace ksight::otel
