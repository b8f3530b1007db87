#pragma once
// `ksight agent` configuration: embedded defaults < YAML file (--config) <
// OpenTelemetry environment variables (otel_environment.h) < command-line
// flags. Every key is also a flag of the same dotted name
// (`sources.kmem: false` in the file is `--sources.kmem=false`). One table
// (config_keys()) drives parsing, validation, flags and the printed defaults,
// so the three can never disagree.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ksight::agent {

// HTTP spans and RED metrics (the http.* keys; src/cli/agent_http.cpp reads
// them). Any of endpoint, comm, function spans or slow syscalls turns the
// capture on as `enabled` does. Lists are comma-separated.
struct HttpConfig {
  bool enabled = false;
  std::string otlp_endpoint;         // empty: spans are not exported; "default": see below
  std::string otlp_traces_endpoint;  // the traces URL itself, used as is; wins over otlp_endpoint
  std::string otlp_protocol = "grpc";
  std::string otlp_compression = "auto";
  std::string otlp_headers;             // KEY=VALUE pairs sent with every export
  bool otlp_insecure = true;            // host:port without a scheme: plaintext; false: TLS
  std::string otlp_certificate;         // PEM: CAs trusted for the collector; empty: the system's
  std::string otlp_client_certificate;  // PEM: mutual TLS, with otlp_client_key
  std::string otlp_client_key;
  std::chrono::milliseconds otlp_timeout{10000};  // one export request
  // The exporter's batching, as the SDKs' batch span processor (OTEL_BSP_*).
  uint32_t export_queue_size = 4096;             // spans waiting; the oldest are dropped beyond
  uint32_t export_batch_size = 512;              // spans per request, at most export_queue_size
  std::chrono::milliseconds export_delay{5000};  // a batch leaves after this even if not full
  double span_sample_ratio = 1.0;
  uint32_t capture_bytes = 512;
  std::string hooks = "auto";
  std::string comm;                          // process names whose sockets are captured; empty: all
  std::string routes;                        // route templates, /users/{id}
  std::string service_names;                 // KEY=NAME pairs
  std::string resource_attributes;           // KEY=VALUE pairs on every span's resource
  std::string function_spans;                // /path/bin:symbol[=span name]
  std::chrono::nanoseconds slow_syscall{0};  // 0: off
  std::vector<double> duration_buckets;      // seconds; empty: the defaults (http_pipeline.h)
  uint32_t max_paths = 500;                  // distinct path label values; then {other}
  bool metrics_kind_label = false;           // RED metrics: kind="server"|"client"

  // Where spans go: otlp_traces_endpoint when set; "default" is the OTLP
  // default for the protocol (localhost:4317 gRPC, http://localhost:4318
  // HTTP); empty: nowhere.
  std::string export_endpoint() const {
    if (!otlp_traces_endpoint.empty()) return otlp_traces_endpoint;
    if (otlp_endpoint != "default") return otlp_endpoint;
    return otlp_protocol == "grpc" ? "localhost:4317" : "http://localhost:4318";
  }

  // otlp_headers / resource_attributes as (key, value) pairs, spaces
  // around both trimmed.
  std::vector<std::pair<std::string, std::string>> export_headers() const;
  std::vector<std::pair<std::string, std::string>> resource_attribute_pairs() const;

  bool wanted() const {
    return enabled || !export_endpoint().empty() || !comm.empty() || !function_spans.empty() ||
           slow_syscall.count() > 0;
  }
};

struct AgentConfig {
  std::string listen = "127.0.0.1:9464";
  std::string log_level = "info";
  std::string proc_root = "/proc";
  std::chrono::milliseconds collect_interval{1000};
  bool syscalls = true;
  bool syscall_latency = true;
  uint32_t syscall_latency_sample = 16;
  bool process = true;
  bool kmem = true;
  bool kmem_call_sites = true;
  bool net = true;
  uint32_t ring_buffer_kib = 4096;
  uint32_t max_label_values = 200;
  uint32_t process_table_max_entries = 65536;
  std::chrono::seconds process_exit_grace{30};
  bool profiler = true;
  uint32_t profiler_frequency = 19;
  std::chrono::seconds profiler_window{10};
  // More profile types into the same store (issue 8); off by default for
  // their per-event cost (bench/agent_all_profiles.sh measures it).
  bool profiler_offcpu = false;
  // Source lines and inline frames (DWARF) in agent profiles; off, functions
  // are named from symbol tables and the agent's memory stays small.
  bool profiler_lines = false;
  uint32_t profiler_symbol_cache_mib = 64;  // parsed objects kept by the profile symbolizer
  std::chrono::microseconds profiler_offcpu_min_block{1000};
  bool profiler_kalloc = false;
  uint64_t profiler_kalloc_sample_bytes = 256 * 1024;  // one sample per this many bytes
  // User allocations (uprobes on the allocator) of the processes named here
  // ("a,b" comm names / pids); both empty: off.
  std::string profiler_ualloc_comm;
  std::string profiler_ualloc_pids;
  uint64_t profiler_ualloc_sample_bytes = 512 * 1024;  // Go's MemProfileRate
  uint32_t profiler_ualloc_max_processes = 64;
  // The profile store behind the UI and /debug/pprof (src/store).
  uint32_t store_memory_mib = 64;
  std::string store_spill_dir;  // empty: windows past the memory cap are dropped
  uint32_t store_disk_mib = 512;
  std::chrono::seconds store_retention{0};  // 0: only the byte caps evict
  // Pyroscope push (src/store/pyroscope_push.h); an empty URL turns it off.
  std::string push_pyroscope_url;
  std::string push_app_name = "ksight";
  std::string push_labels;  // "cluster=prod,node=n1": added to every pushed series
  uint32_t push_queue = 256;
  std::string profiler_unwind = "auto";  // auto | fp | dwarf (src/unwind)
  // The security feed (rules engine on the security events, issue 5).
  bool security = true;
  std::string security_rules = "default";  // comma-separated; "default" = embedded
  std::string security_output = "stdout";  // comma-separated sink specs
  std::string security_min_priority = "debug";
  HttpConfig http;
};

struct ConfigKey {
  const char* name;  // dotted, e.g. "sources.kmem"
  // "bool", "uint", "duration", "string", "address", "list" (comma-separated;
  // a YAML sequence of scalars is joined with commas), "ratio"
  const char* type;
  const char* help;
  bool reloadable;  // applied on SIGHUP without a restart
  std::function<std::string(const AgentConfig&)> get;
  // Parses and validates `value` into the config; returns an error message.
  std::function<std::optional<std::string>(AgentConfig&, const std::string& value)> set;
  // What --print-config shows instead of get(), for values that are secrets
  // (a collector's auth token); unset: get().
  std::function<std::string(const AgentConfig&)> shown = {};
};

const std::vector<ConfigKey>& config_keys();
const ConfigKey* find_config_key(const std::string& name);

// Applies a YAML document on top of `base`. Throws ksight::Error naming the
// file, line and key: "agent.yaml:7: metrics.max_label_values: expected ...".
AgentConfig parse_config_yaml(const std::string& yaml_text, const std::string& source_name,
                              AgentConfig base = {});
// Reads and parses `path` (Error when unreadable).
AgentConfig load_config_file(const std::string& path, AgentConfig base = {});

// Applies "key" = "value" (from a flag); Error naming the flag when invalid.
void apply_config_value(AgentConfig& config, const std::string& key, const std::string& value);

// The effective configuration as a YAML document with comments (defaults
// when `config` is default-constructed): `ksight agent --print-config`.
std::string render_config_yaml(const AgentConfig& config);

// Keys whose values differ between a and b.
std::vector<std::string> changed_keys(const AgentConfig& a, const AgentConfig& b);

// "host:port" → (host, port); IPv6 as "[::1]:9464". nullopt when malformed.
std::optional<std::pair<std::string, int>> parse_listen_address(const std::string& text);

}  // namespace ksight::agent
