// The http.* keys of the agent configuration (HttpConfig): HTTP spans and
// RED metrics from socket calls, and their OTLP export. The `--http*` and
// `--otlp-*` flags of `ksight agent` are aliases of these keys
// (src/cli/agent_http.cpp), so a file, a flag and --print-config agree.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "agent/agent_config_parse.h"
#include "agent/http_source.h"
#include "common/error.h"
#include "common/string_list.h"
#include "otel/function_spans.h"
#include "otel/http_pipeline.h"

namespace ksight::agent::config_detail {

namespace {

Result check_http_comms(const std::string& list) {
  try {
    comm_filter_words(split_list(list));  // the kernel's limits: 8 names of 15 bytes
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

Result check_endpoint(const std::string& v) {
  size_t scheme = v.find("://");
  if (scheme != std::string::npos && !v.starts_with("http://") && !v.starts_with("https://")) {
    return "expected host:port, http://host:port or https://host:port, got '" + v + "'";
  }
  return std::nullopt;
}

// A PEM file the exporter will read at start: readable now, so a typo is
// an error with the file's line, not a failed TLS handshake later.
Result check_readable_file(const std::string& path) {
  if (path.empty()) return std::nullopt;
  if (!std::ifstream(path)) {
    return "cannot read '" + path + "': " + std::string(std::strerror(errno));
  }
  return std::nullopt;
}

std::string trim_spaces(const std::string& s) {
  size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

// KEY=VALUE pairs for HTTP headers / gRPC metadata: KEY an RFC 9110 token,
// VALUE without line breaks.
Result check_headers(const std::string& list) {
  static const std::string kTokenPunct = "!#$%&'*+-.^_`|~";
  for (const auto& kv : split_list(list)) {
    size_t eq = kv.find('=');
    std::string key = trim_spaces(kv.substr(0, eq));
    bool token = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             kTokenPunct.find(c) != std::string::npos;
    });
    if (eq == std::string::npos || !token) {
      return "expected KEY=VALUE headers such as authorization=Bearer token, got '" + kv + "'";
    }
    if (kv.find_first_of("\r\n") != std::string::npos) {
      return "a header value cannot hold a line break (header '" + key + "')";
    }
  }
  return std::nullopt;
}

// KEY=VALUE resource attributes: a key, any value.
Result check_attributes(const std::string& list) {
  for (const auto& kv : split_list(list)) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || trim_spaces(kv.substr(0, eq)).empty()) {
      return "expected KEY=VALUE attributes such as deployment.environment=prod, got '" + kv + "'";
    }
  }
  return std::nullopt;
}

Result check_routes(const std::string& list) {
  for (const auto& route : split_list(list)) {
    if (route.front() != '/') {
      return "expected route templates such as /users/{id}, got '" + route + "'";
    }
  }
  return std::nullopt;
}

Result check_service_names(const std::string& list) {
  for (const auto& kv : split_list(list)) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size()) {
      return "expected KEY=NAME pairs (KEY a container id, executable or comm), got '" + kv + "'";
    }
  }
  return std::nullopt;
}

Result check_function_spans(const std::string& list) {
  try {
    for (const auto& spec : split_list(list)) otel::parse_function_spec(spec);
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::string fmt_ratio(double r) {
  std::string s = std::to_string(r);  // 0.100000 → 0.1
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

Result parse_ratio(const std::string& v, double& out) {
  char* end = nullptr;
  double r = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(r >= 0.0 && r <= 1.0)) {
    return "expected a share from 0 to 1 such as 0.1, got '" + v + "'";
  }
  out = r;
  return std::nullopt;
}

std::string fmt_ns(std::chrono::nanoseconds d) {
  auto ns = d.count();
  if (ns == 0) return "0s";
  if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  if (ns % 1'000 == 0) return std::to_string(ns / 1'000) + "us";
  return std::to_string(ns) + "ns";
}

// Histogram bounds as Prometheus needs them: positive, finite, increasing.
Result parse_buckets(const std::string& list, std::vector<double>& out) {
  std::vector<double> bounds;
  for (const auto& item : split_list(list)) {
    char* end = nullptr;
    double b = std::strtod(item.c_str(), &end);
    if (*end != '\0' || !std::isfinite(b) || b <= 0) {
      return "expected bucket bounds in seconds such as 0.005,0.1,1, got '" + item + "'";
    }
    if (!bounds.empty() && b <= bounds.back()) {
      return "bucket bounds must increase: '" + item + "' after " +
             fmt::format("{}", bounds.back());
    }
    bounds.push_back(b);
  }
  if (bounds.empty()) return std::string("expected at least one bucket bound such as 0.1");
  if (bounds.size() > 64) return "at most 64 bucket bounds, got " + std::to_string(bounds.size());
  out = std::move(bounds);
  return std::nullopt;
}

std::string fmt_buckets(const std::vector<double>& bounds) {
  return fmt::format("{}", fmt::join(bounds.empty() ? otel::kDefaultDurationBuckets : bounds, ","));
}

// A string key whose value must be one of `allowed`.
ConfigKey choice_key(const char* name, const char* help, std::string HttpConfig::*field,
                     std::initializer_list<const char*> allowed) {
  std::vector<std::string> options(allowed.begin(), allowed.end());
  return ConfigKey{name,
                   "string",
                   help,
                   false,
                   [field](const AgentConfig& c) { return c.http.*field; },
                   [field, options](AgentConfig& c, const std::string& v) -> Result {
                     if (std::find(options.begin(), options.end(), v) == options.end()) {
                       std::string list;
                       for (const auto& o : options) list += (list.empty() ? "" : ", ") + o;
                       return "expected one of " + list + ", got '" + v + "'";
                     }
                     c.http.*field = v;
                     return std::nullopt;
                   }};
}

// A path of a file that must be readable; empty: none.
ConfigKey file_key(const char* name, const char* help, std::string HttpConfig::*field) {
  return ConfigKey{name,
                   "string",
                   help,
                   false,
                   [field](const AgentConfig& c) { return c.http.*field; },
                   [field](AgentConfig& c, const std::string& v) -> Result {
                     if (auto err = check_readable_file(v)) return err;
                     c.http.*field = v;
                     return std::nullopt;
                   }};
}

// The exporter's queue bound: ~0.7 KiB per span, so at most ~180 MiB.
constexpr uint32_t kMaxExportQueue = 1u << 18;

// A duration in milliseconds from `min` to `max`.
ConfigKey ms_key(const char* name, const char* help, std::chrono::milliseconds HttpConfig::*field,
                 std::chrono::milliseconds min, std::chrono::milliseconds max) {
  return ConfigKey{
      name,
      "duration",
      help,
      false,
      [field](const AgentConfig& c) {
        return fmt_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(c.http.*field));
      },
      [field, min, max](AgentConfig& c, const std::string& v) {
        return parse_dur(v, c.http.*field, min, max);
      }};
}

// A count from `min` to `max`.
ConfigKey count_key(const char* name, const char* help, uint32_t HttpConfig::*field, uint32_t min,
                    uint32_t max) {
  return ConfigKey{name,
                   "uint",
                   help,
                   false,
                   [field](const AgentConfig& c) { return std::to_string(c.http.*field); },
                   [field, min, max](AgentConfig& c, const std::string& v) {
                     return parse_uint(v, c.http.*field, min, max);
                   }};
}

// KEY=VALUE headers with the values hidden: they are often tokens.
std::string redacted_headers(const AgentConfig& c) {
  std::string out;
  for (const auto& [key, value] : c.http.export_headers())
    out += (out.empty() ? "" : ",") + key + "=[REDACTED]";
  return out;
}

// A comma list checked by `check`.
ConfigKey list_key(const char* name, const char* help, std::string HttpConfig::*field,
                   Result (*check)(const std::string&)) {
  return ConfigKey{name,
                   "list",
                   help,
                   false,
                   [field](const AgentConfig& c) { return c.http.*field; },
                   [field, check](AgentConfig& c, const std::string& v) -> Result {
                     if (auto err = check(v)) return err;
                     c.http.*field = v;
                     return std::nullopt;
                   }};
}

ConfigKey headers_key() {
  ConfigKey k = list_key("http.otlp_headers",
                         "Headers sent with every export (gRPC metadata, HTTP headers), e.g. a "
                         "collector's auth: KEY=VALUE; --print-config hides the values. "
                         "Environment: OTEL_EXPORTER_OTLP_TRACES_HEADERS, "
                         "OTEL_EXPORTER_OTLP_HEADERS. Flag: --otlp-header.",
                         &HttpConfig::otlp_headers, check_headers);
  k.shown = redacted_headers;
  return k;
}

}  // namespace

std::vector<ConfigKey> http_config_keys() {
  return {
      KEY_BOOL("http.enabled", http.enabled, false,
               "HTTP/1.x spans and RED metrics (http_requests_total, "
               "http_request_duration_seconds) from socket calls; also on when otlp_endpoint, "
               "comm, function_spans or slow_syscall is set. Flag: --http."),
      ConfigKey{"http.otlp_endpoint", "string",
                "Export the spans by OTLP to this endpoint: host:port, http://host:port or "
                "https://host:port (TLS); for http/protobuf /v1/traces is appended; default: the "
                "protocol's default (localhost:4317 for grpc, http://localhost:4318 for "
                "http/protobuf); empty: spans are not exported. Environment: "
                "OTEL_EXPORTER_OTLP_ENDPOINT. Flag: --otlp-endpoint (alone: default).",
                false, [](const AgentConfig& c) { return c.http.otlp_endpoint; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (auto err = check_endpoint(v)) return err;
                  c.http.otlp_endpoint = v;
                  return std::nullopt;
                }},
      ConfigKey{"http.otlp_traces_endpoint", "string",
                "The traces endpoint itself, used as is (for http/protobuf the full URL, "
                "nothing appended); wins over otlp_endpoint. Environment: "
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. Flag: --otlp-traces-endpoint.",
                false, [](const AgentConfig& c) { return c.http.otlp_traces_endpoint; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (auto err = check_endpoint(v)) return err;
                  c.http.otlp_traces_endpoint = v;
                  return std::nullopt;
                }},
      choice_key("http.otlp_protocol",
                 "grpc or http/protobuf. Environment: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "
                 "OTEL_EXPORTER_OTLP_PROTOCOL. Flag: --otlp-protocol.",
                 &HttpConfig::otlp_protocol, {"grpc", "http/protobuf"}),
      choice_key("http.otlp_compression",
                 "auto (gzip, none for a loopback endpoint), gzip or none. Environment: "
                 "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, OTEL_EXPORTER_OTLP_COMPRESSION. Flag: "
                 "--otlp-compression.",
                 &HttpConfig::otlp_compression, {"auto", "gzip", "none"}),
      headers_key(),
      KEY_BOOL("http.otlp_insecure", http.otlp_insecure, false,
               "An endpoint without a scheme (host:port) is plaintext (true: a node-local "
               "collector) or TLS (false); https:// is always TLS, http:// never. Environment: "
               "OTEL_EXPORTER_OTLP_TRACES_INSECURE, OTEL_EXPORTER_OTLP_INSECURE. Flag: "
               "--otlp-insecure."),
      file_key("http.otlp_certificate",
               "PEM file of the CAs that sign the collector's certificate (TLS); empty: the "
               "system's. Environment: OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE, "
               "OTEL_EXPORTER_OTLP_CERTIFICATE. Flag: --otlp-certificate.",
               &HttpConfig::otlp_certificate),
      file_key("http.otlp_client_certificate",
               "PEM client certificate for mutual TLS, with otlp_client_key. Environment: "
               "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE, "
               "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE. Flag: --otlp-client-certificate.",
               &HttpConfig::otlp_client_certificate),
      file_key("http.otlp_client_key",
               "PEM private key of otlp_client_certificate. Environment: "
               "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY, OTEL_EXPORTER_OTLP_CLIENT_KEY. Flag: "
               "--otlp-client-key.",
               &HttpConfig::otlp_client_key),
      ms_key("http.otlp_timeout",
             "How long one export request may take before it counts as failed (retried). "
             "Environment: OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, OTEL_EXPORTER_OTLP_TIMEOUT "
             "(milliseconds). Flag: --otlp-timeout.",
             &HttpConfig::otlp_timeout, std::chrono::milliseconds(100),
             std::chrono::milliseconds(300000)),
      count_key("http.export_queue_size",
                "Spans waiting for export (~0.7 KiB each); beyond it the oldest are dropped "
                "(ksight_spans_dropped_total{reason=\"queue_full\"}). Environment: "
                "OTEL_BSP_MAX_QUEUE_SIZE.",
                &HttpConfig::export_queue_size, 1, kMaxExportQueue),
      count_key("http.export_batch_size",
                "Spans per export request, at most export_queue_size. Environment: "
                "OTEL_BSP_MAX_EXPORT_BATCH_SIZE.",
                &HttpConfig::export_batch_size, 1, kMaxExportQueue),
      ms_key("http.export_delay",
             "A batch leaves after this even when not full. Environment: "
             "OTEL_BSP_SCHEDULE_DELAY (milliseconds).",
             &HttpConfig::export_delay, std::chrono::milliseconds(10),
             std::chrono::milliseconds(600000)),
      ConfigKey{"http.span_sample_ratio", "ratio",
                "Share of traces whose spans are built and exported (0..1); a request's "
                "traceparent sampled flag overrides it; RED metrics count every request. "
                "Environment: OTEL_TRACES_SAMPLER(_ARG). Flag: --http-span-sample-ratio.",
                false, [](const AgentConfig& c) { return fmt_ratio(c.http.span_sample_ratio); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_ratio(v, c.http.span_sample_ratio);
                }},
      ConfigKey{"http.capture_bytes", "uint",
                "Bytes captured per socket read or write (16..1024). Flag: --http-capture-bytes.",
                false, [](const AgentConfig& c) { return std::to_string(c.http.capture_bytes); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_uint(v, c.http.capture_bytes, 16, 1024);
                }},
      choice_key("http.hooks",
                 "auto (sock:sock_{recv,send}_length where the kernel has them, else the "
                 "syscalls tracepoints), sock or syscalls. Flag: --http-hooks.",
                 &HttpConfig::hooks, {"auto", "sock", "syscalls"}),
      list_key("http.comm",
               "Capture only these processes (names as in /proc/PID/comm, at most 8), filtered "
               "in the kernel; empty: every process. Flag: --http-comm.",
               &HttpConfig::comm, check_http_comms),
      list_key("http.routes",
               "Route templates for http.route and the path label, e.g. /users/{id}. Flag: "
               "--http-route.",
               &HttpConfig::routes, check_routes),
      list_key("http.service_names",
               "service.name mapping KEY=NAME, KEY a container id, executable or comm; default "
               "the process's comm. Flag: --http-service-name.",
               &HttpConfig::service_names, check_service_names),
      list_key("http.resource_attributes",
               "Attributes added to every span's resource, KEY=VALUE (a cluster, an "
               "environment); the process's own (service.name, process.pid, ...) win. "
               "Environment: OTEL_RESOURCE_ATTRIBUTES. Flag: --http-resource-attribute.",
               &HttpConfig::resource_attributes, check_attributes),
      list_key("http.function_spans",
               "INTERNAL span for each call of a function, under the request span of its "
               "thread: /path/to/binary:symbol[=span name]. Flag: --http-function-span.",
               &HttpConfig::function_spans, check_function_spans),
      ConfigKey{"http.slow_syscall", "duration",
                "Syscalls of HTTP servers slower than this become INTERNAL spans under their "
                "request (e.g. 10ms); 0s: off. Flag: --http-slow-syscall.",
                false, [](const AgentConfig& c) { return fmt_ns(c.http.slow_syscall); },
                [](AgentConfig& c, const std::string& v) -> Result {
                  auto d = parse_duration(v);
                  if (!d || d->count() < 0 || *d > std::chrono::hours(1)) {
                    return "expected a duration such as 10ms (0s: off), got '" + v + "'";
                  }
                  c.http.slow_syscall = std::chrono::duration_cast<std::chrono::nanoseconds>(*d);
                  return std::nullopt;
                }},
      ConfigKey{"http.duration_buckets", "list",
                "Upper bounds in seconds of http_request_duration_seconds' buckets, increasing. "
                "Flag: --http-buckets.",
                false, [](const AgentConfig& c) { return fmt_buckets(c.http.duration_buckets); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_buckets(v, c.http.duration_buckets);
                }},
      ConfigKey{"http.max_paths", "uint",
                "Distinct path label values kept (the top-N guard); later new paths are "
                "labelled {other}. Flag: --http-max-paths.",
                false, [](const AgentConfig& c) { return std::to_string(c.http.max_paths); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_uint(v, c.http.max_paths, 1, 100000);
                }},
      KEY_BOOL("http.metrics_kind_label", http.metrics_kind_label, false,
               "Add kind=\"server\"|\"client\" to http_requests_total and "
               "http_request_duration_seconds, so that a proxy's served and forwarded requests "
               "are separate series (default: the four labels method, path, status, service). "
               "Flag: --http-metrics-kind-label."),
  };
}

}  // namespace ksight::agent::config_detail

namespace ksight::agent {

namespace {

// A KEY=VALUE list its key has checked.
std::vector<std::pair<std::string, std::string>> key_value_pairs(const std::string& list) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : split_list(list)) {
    size_t eq = kv.find('=');
    out.emplace_back(config_detail::trim_spaces(kv.substr(0, eq)),
                     config_detail::trim_spaces(kv.substr(eq + 1)));
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> HttpConfig::export_headers() const {
  return key_value_pairs(otlp_headers);
}

std::vector<std::pair<std::string, std::string>> HttpConfig::resource_attribute_pairs() const {
  return key_value_pairs(resource_attributes);
}

}  // namespace ksight::agent
