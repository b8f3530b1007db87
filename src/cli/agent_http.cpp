#include "cli/agent_http.h"

#include <cstdio>
#include <mutex>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "agent/function_span_source.h"
#include "agent/http_source.h"
#include "common/error.h"
#include "common/string_list.h"
#include "export/otlp/otlp_transport.h"
#include "otel/trace_context.h"

namespace ksight::cli {

struct AgentHttpOptions {
  bool print_spans = false;  // stdout only: not a configuration key
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
void install_function_spans(const agent::HttpConfig& config, agent::HttpSourceOptions& http,
                            agent::Agent& agent) {
  if (config.function_spans.empty() && config.slow_syscall.count() == 0) return;
  agent::FunctionSpanSourceOptions fo;
  for (const auto& text : split_list(config.function_spans))
    fo.specs.push_back(otel::parse_function_spec(text));
  fo.slow_syscall_ns = static_cast<uint64_t>(config.slow_syscall.count());
  fo.service_names = http.service_names;
  fo.resource_attributes = http.resource_attributes;
  fo.tap = http.tap;
  agent.add_factory({"sources.function_spans", [](const agent::AgentConfig&) { return true; },
                     [fo](agent::SourceContext& ctx, const agent::AgentConfig&) {
                       return agent::make_function_span_source(ctx, fo);
                     }});
}

otel::TransportOptions transport_options(const agent::HttpConfig& config) {
  if (config.otlp_client_certificate.empty() != config.otlp_client_key.empty()) {
    throw Error(
        "http.otlp_client_certificate and http.otlp_client_key go together: both for mutual "
        "TLS, or neither");
  }
  otel::TransportOptions to;
  to.endpoint = config.export_endpoint();
  to.endpoint_is_traces_url = !config.otlp_traces_endpoint.empty();
  to.gzip = config.otlp_compression == "gzip" ||
            (config.otlp_compression == "auto" && !otel::is_loopback_endpoint(to.endpoint));
  to.headers = config.export_headers();
  to.insecure = config.otlp_insecure;
  to.tls = {config.otlp_certificate, config.otlp_client_certificate, config.otlp_client_key};
  to.timeout = config.otlp_timeout;
  return to;
}

otel::ExporterOptions exporter_options(const agent::HttpConfig& config) {
  if (config.export_batch_size > config.export_queue_size) {
    throw Error("http.export_batch_size (" + std::to_string(config.export_batch_size) +
                ") must not exceed http.export_queue_size (" +
                std::to_string(config.export_queue_size) + ")");
  }
  otel::ExporterOptions eo;
  eo.max_queue = config.export_queue_size;
  eo.max_batch = config.export_batch_size;
  eo.batch_timeout = config.export_delay;
  return eo;
}

// A flag standing for configuration key `key`: checked by the key's own
// parser at once so the error names the flag the user typed.
void check_alias(const std::string& flag, const std::string& key, const std::string& value) {
  agent::AgentConfig scratch;
  const agent::ConfigKey* k = agent::find_config_key(key);
  if (auto err = k->set(scratch, value)) throw CLI::ValidationError(flag, *err);
}

// `when_alone`: the flag may be given without a value and then stands for
// this one (CLI11 passes "" for a missing value of an expected(0, 1) option).
void add_alias(CLI::App& cmd, const ConfigFlagSink& sink, const std::string& flag,
               const std::string& key, const std::string& help, const char* when_alone = nullptr) {
  CLI::Option* option = cmd.add_option_function<std::string>(
      flag,
      [sink, flag, key, when_alone](const std::string& given) {
        std::string v = given.empty() && when_alone ? when_alone : given;
        check_alias(flag, key, v);
        sink(key, v);
      },
      help + " (= --" + key + ")");
  option->type_name(agent::find_config_key(key)->type);
  if (when_alone) option->expected(0, 1);
}

// A repeatable flag for a list key: every occurrence (each itself a comma
// list) joins into the one value. Naming no item at all is an error, where
// an empty value in the file means "none".
void add_list_alias(CLI::App& cmd, const ConfigFlagSink& sink, const std::string& flag,
                    const std::string& key, const std::string& example, const std::string& help) {
  cmd.add_option_function<std::vector<std::string>>(
         flag,
         [sink, flag, key, example](const std::vector<std::string>& values) {
           std::string joined;
           for (const auto& v : values)
             for (const auto& item : split_list(v)) joined += (joined.empty() ? "" : ",") + item;
           if (joined.empty()) {
             throw CLI::ValidationError(flag, "nothing given (e.g. " + flag + " " + example + ")");
           }
           check_alias(flag, key, joined);
           sink(key, joined);
         },
         help + " (= --" + key + ")")
      ->type_name("list");
}

}  // namespace

std::shared_ptr<AgentHttpOptions> add_http_options(CLI::App& cmd, ConfigFlagSink sink) {
  auto o = std::make_shared<AgentHttpOptions>();
  cmd.add_flag_callback(
      "--http", [sink] { sink("http.enabled", "true"); },
      "HTTP/1.x spans and RED metrics from socket syscalls (http_requests_total, "
      "http_request_duration_seconds) (= --http.enabled=true)");
  add_alias(cmd, sink, "--otlp-endpoint", "http.otlp_endpoint",
            "Export HTTP spans by OTLP to this endpoint; alone: the protocol's default "
            "(grpc: localhost:4317, http/protobuf: http://localhost:4318); implies --http",
            "default");
  add_alias(cmd, sink, "--otlp-traces-endpoint", "http.otlp_traces_endpoint",
            "The traces endpoint itself, used as is (http/protobuf: the full URL, nothing "
            "appended); wins over --otlp-endpoint; implies --http");
  add_alias(cmd, sink, "--otlp-protocol", "http.otlp_protocol", "grpc or http/protobuf");
  add_alias(cmd, sink, "--otlp-insecure", "http.otlp_insecure",
            "An endpoint without a scheme (host:port): true (default) plaintext, false TLS; "
            "https:// is always TLS");
  add_alias(cmd, sink, "--otlp-certificate", "http.otlp_certificate",
            "PEM file of the CAs that sign the collector's certificate (default: the system's)");
  add_alias(cmd, sink, "--otlp-client-certificate", "http.otlp_client_certificate",
            "PEM client certificate for mutual TLS (with --otlp-client-key)");
  add_alias(cmd, sink, "--otlp-client-key", "http.otlp_client_key",
            "PEM private key of --otlp-client-certificate");
  add_alias(cmd, sink, "--otlp-timeout", "http.otlp_timeout",
            "How long one export request may take (default 10s)");
  add_alias(cmd, sink, "--otlp-compression", "http.otlp_compression",
            "auto (default: gzip, none for a loopback endpoint), gzip or none: gzip is most of "
            "the export's CPU, worth it only when the collector is across a network");
  add_list_alias(cmd, sink, "--otlp-header", "http.otlp_headers", "authorization=Bearer-token",
                 "Header sent with every export, KEY=VALUE (repeatable), e.g. a collector's "
                 "auth token or tenant");
  add_alias(cmd, sink, "--http-span-sample-ratio", "http.span_sample_ratio",
            "Share of traces whose HTTP spans are built and exported (0..1, default 1); a "
            "request's traceparent sampled flag overrides it; the RED metrics count every "
            "request");
  add_alias(cmd, sink, "--http-capture-bytes", "http.capture_bytes",
            "Bytes captured per socket read/write (16..1024)");
  add_alias(cmd, sink, "--http-hooks", "http.hooks",
            "auto (default): sock:sock_{recv,send}_length tracepoints where the kernel has them "
            "(6.3+), else the syscalls tracepoints; sock or syscalls: only that");
  add_list_alias(cmd, sink, "--http-comm", "http.comm", "nginx",
                 "Capture only these processes (exact process name as in /proc/PID/comm, comma "
                 "list or repeated, at most 8); default every process. Filtered in the kernel: "
                 "other processes' socket calls cost no copy and no record; implies --http");
  add_list_alias(cmd, sink, "--http-route", "http.routes", "/users/{id}",
                 "Route template for http.route and the path label, e.g. /users/{id} "
                 "(repeatable)");
  add_list_alias(cmd, sink, "--http-service-name", "http.service_names", "nginx=frontend",
                 "service.name mapping KEY=NAME, KEY a container id, executable or comm "
                 "(repeatable)");
  add_list_alias(cmd, sink, "--http-resource-attribute", "http.resource_attributes",
                 "deployment.environment=prod",
                 "Attribute added to every span's resource, KEY=VALUE (repeatable); the "
                 "process's own attributes win");
  add_list_alias(cmd, sink, "--http-function-span", "http.function_spans", "/usr/bin/app:handle",
                 "INTERNAL span for each call of a function, under the request span of its "
                 "thread: /path/to/binary:symbol[=span name] (repeatable); implies --http");
  add_alias(cmd, sink, "--http-slow-syscall", "http.slow_syscall",
            "Syscalls of HTTP servers slower than this (e.g. 10ms) become INTERNAL spans under "
            "their request; off by default; implies --http");
  add_list_alias(cmd, sink, "--http-buckets", "http.duration_buckets", "0.01,0.1,1",
                 "Upper bounds in seconds of http_request_duration_seconds' buckets (default "
                 "0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10)");
  add_alias(cmd, sink, "--http-max-paths", "http.max_paths",
            "Distinct path label values kept (default 500); later new paths are "
            "labelled {other}");
  add_alias(cmd, sink, "--http-metrics-kind-label", "http.metrics_kind_label",
            "A kind=\"server\"|\"client\" label on the RED metrics (a proxy's served and "
            "forwarded requests apart); alone: true",
            "true");
  cmd.add_flag("--print-spans", o->print_spans, "Print every HTTP span on stdout; implies --http");
  return o;
}

void install_http(const AgentHttpOptions& o, const agent::HttpConfig& config, agent::Agent& agent) {
  if (!config.wanted() && !o.print_spans) return;
  agent::HttpSourceOptions so;
  so.capture_bytes = config.capture_bytes;
  so.hooks = config.hooks == "sock"       ? agent::HttpHooks::kSock
             : config.hooks == "syscalls" ? agent::HttpHooks::kSyscalls
                                          : agent::HttpHooks::kAuto;
  so.comms = split_list(config.comm);
  so.routes = split_list(config.routes);
  so.otlp_protocol = config.otlp_protocol;
  so.otlp = transport_options(config);
  so.exporter = exporter_options(config);
  so.span_sample_ratio = config.span_sample_ratio;
  so.buckets = config.duration_buckets;  // empty: the defaults
  so.max_paths = config.max_paths;
  so.metrics_kind_label = config.metrics_kind_label;
  so.resource_attributes = config.resource_attribute_pairs();
  for (const auto& kv : split_list(config.service_names)) {
    size_t eq = kv.find('=');  // checked by the key: KEY=NAME
    so.service_names[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (o.print_spans) so.on_span = print_span;
  if (!config.function_spans.empty() || config.slow_syscall.count() > 0)
    so.tap = std::make_shared<agent::HttpTap>();
  agent.add_factory({"sources.http", [](const agent::AgentConfig&) { return true; },
                     [so](agent::SourceContext& ctx, const agent::AgentConfig&) {
                       return agent::make_http_source(ctx, so);
                     }});
  install_function_spans(config, so, agent);
}

}  // namespace ksight::cli
