#include "cli/agent_http.h"

#include <cstdio>
#include <mutex>

#include "agent/agent.h"
#include "agent/function_span_source.h"
#include "agent/http_source.h"
#include "common/duration.h"
#include "common/error.h"
#include "common/string_list.h"
#include "otel/otlp_transport.h"
#include "otel/trace_context.h"

namespace ksight::cli {

struct AgentHttpOptions {
  bool http = false;
  bool print_spans = false;
  std::string otlp_endpoint;
  std::string otlp_protocol = "grpc";
  std::string otlp_compression = "auto";
  double span_sample_ratio = 1.0;
  uint32_t capture_bytes = 512;
  std::string hooks = "auto";
  std::vector<std::string> comms;
  std::vector<std::string> routes;
  std::vector<std::string> service_names;   // key=name
  std::vector<std::string> function_spans;  // /path/bin:symbol[=span name]
  std::string slow_syscall;                 // a duration, empty: off
};

namespace {

const char* kind_name(otel::SpanKind k) {
  return k == otel::SpanKind::kServer   ? "SERVER"
         : k == otel::SpanKind::kClient ? "CLIENT"
                                        : "INTERNAL";
}

// One line per span on stdout (tests and quick looks).
void print_span(const otel::Span& s) {
  static std::mutex mutex;
  std::string line = std::string(kind_name(s.kind)) + " " + s.name +
                     " trace=" + otel::to_hex(s.trace_id) + " span=" + otel::to_hex(s.span_id) +
                     " parent=" + otel::to_hex(s.parent_span_id);
  for (const auto& a : s.attributes) {
    line += " " + std::string(a.key) + "=";
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            line += v;
          } else {
            line += std::to_string(v);
          }
        },
        a.value);
  }
  std::lock_guard lock(mutex);
  std::fprintf(stdout, "%s\n", line.c_str());
  std::fflush(stdout);
}

// After the HTTP source: function spans hang under its server spans and
// leave through its exporter (HttpTap).
void install_function_spans(const std::shared_ptr<AgentHttpOptions>& o,
                            agent::HttpSourceOptions& http, agent::Agent& agent) {
  if (o->function_spans.empty() && o->slow_syscall.empty()) return;
  agent::FunctionSpanSourceOptions fo;
  for (const auto& text : o->function_spans) fo.specs.push_back(otel::parse_function_spec(text));
  if (!o->slow_syscall.empty()) {
    auto d = parse_duration(o->slow_syscall);
    if (!d || d->count() <= 0) {
      throw Error("--http-slow-syscall: expected a positive duration such as 10ms, got '" +
                  o->slow_syscall + "'");
    }
    fo.slow_syscall_ns = static_cast<uint64_t>(d->count());
  }
  fo.service_names = http.service_names;
  fo.tap = http.tap;
  agent.add_factory({"sources.function_spans", [](const agent::AgentConfig&) { return true; },
                     [fo](agent::SourceContext& ctx, const agent::AgentConfig&) {
                       return agent::make_function_span_source(ctx, fo);
                     }});
}

}  // namespace

std::shared_ptr<AgentHttpOptions> add_http_options(CLI::App& cmd) {
  auto o = std::make_shared<AgentHttpOptions>();
  cmd.add_flag("--http", o->http,
               "HTTP/1.x spans and RED metrics from socket syscalls (http_requests_total, "
               "http_request_duration_seconds)");
  cmd.add_option("--otlp-endpoint", o->otlp_endpoint,
                 "Export HTTP spans by OTLP to this endpoint (grpc: localhost:4317, "
                 "http/protobuf: http://localhost:4318); implies --http");
  cmd.add_option("--otlp-protocol", o->otlp_protocol, "grpc or http/protobuf")
      ->check(CLI::IsMember({"grpc", "http/protobuf"}));
  cmd.add_option("--otlp-compression", o->otlp_compression,
                 "auto (default: gzip, none for a loopback endpoint), gzip or none: gzip is most "
                 "of the export's CPU, worth it only when the collector is across a network")
      ->check(CLI::IsMember({"auto", "gzip", "none"}));
  cmd.add_option("--http-span-sample-ratio", o->span_sample_ratio,
                 "Share of traces whose HTTP spans are built and exported (0..1, default 1); "
                 "a request's traceparent sampled flag overrides it; the RED metrics count "
                 "every request")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--http-capture-bytes", o->capture_bytes,
                 "Bytes captured per socket read/write (max 1024)")
      ->check(CLI::Range(16, 1024));
  cmd.add_option("--http-hooks", o->hooks,
                 "auto (default): sock:sock_{recv,send}_length tracepoints where the kernel "
                 "has them (6.3+), else the syscalls tracepoints; sock or syscalls: only that")
      ->check(CLI::IsMember({"auto", "sock", "syscalls"}));
  cmd.add_option("--http-comm", o->comms,
                 "Capture only these processes (exact process name as in /proc/PID/comm, "
                 "comma list or repeated, at most 8); default every process. Filtered in the "
                 "kernel: other processes' socket calls cost no copy and no record; implies "
                 "--http");
  cmd.add_option("--http-route", o->routes,
                 "Route template for http.route and the path label, e.g. /users/{id} "
                 "(repeatable)");
  cmd.add_option("--http-service-name", o->service_names,
                 "service.name mapping KEY=NAME, KEY a container id, executable or comm "
                 "(repeatable)");
  cmd.add_option("--http-function-span", o->function_spans,
                 "INTERNAL span for each call of a function, under the request span of its "
                 "thread: /path/to/binary:symbol[=span name] (repeatable); implies --http");
  cmd.add_option("--http-slow-syscall", o->slow_syscall,
                 "Syscalls of HTTP servers slower than this (e.g. 10ms) become INTERNAL spans "
                 "under their request; off by default; implies --http");
  cmd.add_flag("--print-spans", o->print_spans, "Print every HTTP span on stdout; implies --http");
  return o;
}

void install_http(const std::shared_ptr<AgentHttpOptions>& o, agent::Agent& agent) {
  if (!o->http && o->otlp_endpoint.empty() && !o->print_spans && o->function_spans.empty() &&
      o->slow_syscall.empty() && o->comms.empty()) {
    return;
  }
  agent::HttpSourceOptions so;
  so.capture_bytes = o->capture_bytes;
  so.hooks = o->hooks == "sock"       ? agent::HttpHooks::kSock
             : o->hooks == "syscalls" ? agent::HttpHooks::kSyscalls
                                      : agent::HttpHooks::kAuto;
  for (const auto& list : o->comms)
    for (auto& name : split_list(list)) so.comms.push_back(std::move(name));
  if (!o->comms.empty() && so.comms.empty()) {
    throw Error("--http-comm: no process name given (e.g. --http-comm nginx)");
  }
  agent::comm_filter_words(so.comms);  // a bad list stops the agent here, not at load
  so.routes = o->routes;
  so.otlp_endpoint = o->otlp_endpoint;
  so.otlp_protocol = o->otlp_protocol;
  so.otlp_gzip = o->otlp_compression == "gzip" ||
                 (o->otlp_compression == "auto" && !otel::is_loopback_endpoint(o->otlp_endpoint));
  so.span_sample_ratio = o->span_sample_ratio;
  for (const auto& kv : o->service_names) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("--http-service-name: expected KEY=NAME, got '" + kv + "'");
    }
    so.service_names[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (o->print_spans) so.on_span = print_span;
  if (!o->function_spans.empty() || !o->slow_syscall.empty())
    so.tap = std::make_shared<agent::HttpTap>();
  agent.add_factory({"sources.http", [](const agent::AgentConfig&) { return true; },
                     [so](agent::SourceContext& ctx, const agent::AgentConfig&) {
                       return agent::make_http_source(ctx, so);
                     }});
  install_function_spans(o, so, agent);
}

}  // namespace ksight::cli
