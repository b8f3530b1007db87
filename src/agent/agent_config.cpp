#include "agent/agent_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "agent/agent_config_parse.h"
#include "agent/ualloc_targets.h"
#include "common/byte_size.h"
#include "common/duration.h"
#include "common/error.h"
#include "common/string_list.h"

namespace ksight::agent {

namespace config_detail {

Result parse_bool(const std::string& v, bool& out) {
  std::string s = v;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "true" || s == "yes" || s == "on" || s == "1") {
    out = true;
  } else if (s == "false" || s == "no" || s == "off" || s == "0") {
    out = false;
  } else {
    return "expected true or false, got '" + v + "'";
  }
  return std::nullopt;
}

Result parse_uint(const std::string& v, uint32_t& out, uint64_t min, uint64_t max) {
  if (v.empty() ||
      !std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return "expected a whole number, got '" + v + "'";
  }
  unsigned long long n = v.size() > 12 ? ~0ull : std::stoull(v);
  if (n < min || n > max) {
    return "expected a number from " + std::to_string(min) + " to " + std::to_string(max) +
           ", got " + v;
  }
  out = static_cast<uint32_t>(n);
  return std::nullopt;
}

}  // namespace config_detail

namespace {

using namespace config_detail;

std::string fmt_ms(std::chrono::milliseconds d) {
  return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + "s"
                               : std::to_string(d.count()) + "ms";
}

// The agent does not link the rules module; these mirror rules::make_sink
// and rules::priority_from_name so a bad value fails at startup.
bool is_priority_name(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (const char* p : {"emergency", "alert", "critical", "error", "warning", "notice",
                        "informational", "info", "debug"}) {
    if (v == p) return true;
  }
  return false;
}

Result check_outputs(const std::string& list) {
  auto specs = split_list(list);
  for (const auto& spec : specs) {
    bool ok = spec == "stdout" || spec == "syslog" ||
              (spec.rfind("file:", 0) == 0 && spec.size() > 5) || spec.rfind("http:", 0) == 0 ||
              spec.rfind("https:", 0) == 0;
    if (!ok) return "expected stdout, file:PATH, syslog or an http(s) URL, got '" + spec + "'";
  }
  if (specs.empty()) return std::string("expected at least one output");
  return std::nullopt;
}

// "k=v,k=v" with Prometheus-style label names (Pyroscope's grammar).
Result check_label_list(const std::string& list) {
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = std::min(list.find(',', start), list.size());
    std::string item = list.substr(start, comma - start);
    start = comma + 1;
    auto eq = item.find('=');
    bool name_ok = eq != std::string::npos && eq > 0 &&
                   !std::isdigit(static_cast<unsigned char>(item[0])) &&
                   std::all_of(item.begin(), item.begin() + eq,
                               [](unsigned char ch) { return std::isalnum(ch) || ch == '_'; });
    if (!name_ok || eq + 1 == item.size() || item.find_first_of("{}", eq) != std::string::npos) {
      return "expected name=value pairs separated by commas, got '" + item + "'";
    }
  }
  return std::nullopt;
}

// A byte count from 1 to 1 GiB ("256KiB"), printed in KiB when whole.
Result parse_bytes(const std::string& v, uint64_t& out) {
  auto b = parse_byte_size(v);
  if (!b || *b < 1 || *b > (uint64_t{1} << 30)) {
    return "expected a byte count from 1 to 1GiB such as 262144 or 256KiB, got '" + v + "'";
  }
  out = *b;
  return std::nullopt;
}

std::string fmt_bytes(uint64_t b) {
  return b % 1024 == 0 ? std::to_string(b / 1024) + "KiB" : std::to_string(b);
}

#define KEY_BYTES(key, field, help_text)                                                     \
  ConfigKey {                                                                                \
    key, "bytes", help_text, false, [](const AgentConfig& c) { return fmt_bytes(c.field); }, \
        [](AgentConfig& c, const std::string& v) { return parse_bytes(v, c.field); }         \
  }

std::vector<ConfigKey> core_keys() {
  using std::chrono::milliseconds;
  return {
      ConfigKey{"listen", "address", "HTTP address for /metrics, /healthz, /readyz, /debug/pprof.",
                false, [](const AgentConfig& c) { return c.listen; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (!parse_listen_address(v)) {
                    return "expected host:port such as 127.0.0.1:9464 or [::1]:9464, got '" + v +
                           "'";
                  }
                  c.listen = v;
                  return std::nullopt;
                }},
      ConfigKey{"log_level", "string", "trace, debug, info, warn, error, critical or off.", true,
                [](const AgentConfig& c) { return c.log_level; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  static const char* levels[] = {"trace", "debug",    "info", "warn",
                                                 "error", "critical", "off"};
                  if (std::find_if(std::begin(levels), std::end(levels),
                                   [&](const char* l) { return v == l; }) == std::end(levels)) {
                    return "expected trace, debug, info, warn, error, critical or off, got '" + v +
                           "'";
                  }
                  c.log_level = v;
                  return std::nullopt;
                }},
      ConfigKey{"proc_root", "string",
                "Where the host's procfs is visible (/proc with hostPID, or a hostPath mount).",
                false, [](const AgentConfig& c) { return c.proc_root; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (v.empty() || v.front() != '/')
                    return "expected an absolute path, got '" + v + "'";
                  c.proc_root = v;
                  return std::nullopt;
                }},
      ConfigKey{"collect_interval", "duration",
                "How often kernel maps are read into metrics (100ms..60s).", true,
                [](const AgentConfig& c) { return fmt_ms(c.collect_interval); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_dur(v, c.collect_interval, milliseconds(100), milliseconds(60000));
                }},
      KEY_BOOL("sources.syscalls", syscalls, true,
               "Count syscalls per process and container (raw_syscalls:sys_enter)."),
      KEY_BOOL("sources.syscall_latency", syscall_latency, false,
               "Also time syscalls (raw_syscalls:sys_exit) for ksight_syscall_duration_seconds."),
      ConfigKey{"sources.syscall_latency_sample", "uint",
                "Time 1 syscall in N, at random, for the latency histogram (power of two, 1..1024; "
                "counts are scaled back). 1 times every syscall at about 4x the cost.",
                false,
                [](const AgentConfig& c) { return std::to_string(c.syscall_latency_sample); },
                [](AgentConfig& c, const std::string& v) -> Result {
                  uint32_t n = 0;
                  if (auto err = parse_uint(v, n, 1, 1024)) return err;
                  if (n & (n - 1)) return "expected a power of two, got " + v;
                  c.syscall_latency_sample = n;
                  return std::nullopt;
                }},
      KEY_BOOL("sources.process", process, false,
               "Follow fork/exec/exit for the process table (sched:sched_process_*)."),
      KEY_BOOL("sources.kmem", kmem, true,
               "Kernel memory allocations by process and call site (kmem:*)."),
      KEY_BOOL("sources.kmem_call_sites", kmem_call_sites, false,
               "Also aggregate kmalloc/kmem_cache_alloc bytes by kernel call site."),
      KEY_BOOL("sources.net", net, true,
               "TCP connections, retransmits and resets (sock:inet_sock_set_state, tcp:*)."),
      ConfigKey{"ring_buffer_kib", "uint",
                "Ring buffer size per streaming source in KiB (power of two, 4..1048576).", false,
                [](const AgentConfig& c) { return std::to_string(c.ring_buffer_kib); },
                [](AgentConfig& c, const std::string& v) -> Result {
                  uint32_t n = 0;
                  if (auto err = parse_uint(v, n, 4, 1 << 20)) return err;
                  if (n & (n - 1)) return "expected a power of two, got " + v;
                  c.ring_buffer_kib = n;
                  return std::nullopt;
                }},
      ConfigKey{"metrics.max_label_values", "uint",
                "Cardinality guard: distinct values per label and metric before folding into "
                "\"other\" (0: unlimited).",
                true, [](const AgentConfig& c) { return std::to_string(c.max_label_values); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_uint(v, c.max_label_values, 0, 100000);
                }},
      ConfigKey{"process_table.max_entries", "uint", "Most processes kept in the process table.",
                true,
                [](const AgentConfig& c) { return std::to_string(c.process_table_max_entries); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_uint(v, c.process_table_max_entries, 64, 4u << 20);
                }},
      ConfigKey{
          "process_table.exit_grace", "duration",
          "How long exited processes stay resolvable (0s..1h).", true,
          [](const AgentConfig& c) { return std::to_string(c.process_exit_grace.count()) + "s"; },
          [](AgentConfig& c, const std::string& v) {
            return parse_dur(v, c.process_exit_grace, milliseconds(0), milliseconds(3600 * 1000));
          }},
      KEY_BOOL("profiler.enabled", profiler, false,
               "Continuous CPU profiling for /debug/pprof/profile."),
      ConfigKey{"profiler.frequency", "uint", "CPU sampling frequency in Hz per CPU (1..1000).",
                false, [](const AgentConfig& c) { return std::to_string(c.profiler_frequency); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_uint(v, c.profiler_frequency, 1, 1000);
                }},
      ConfigKey{
          "profiler.window", "duration", "Profile window kept in memory (1s..10m).", false,
          [](const AgentConfig& c) { return std::to_string(c.profiler_window.count()) + "s"; },
          [](AgentConfig& c, const std::string& v) {
            return parse_dur(v, c.profiler_window, milliseconds(1000), milliseconds(600 * 1000));
          }},
      KEY_BOOL("profiler.lines", profiler_lines, false,
               "Source lines and inline frames from DWARF in profiles (costs the debug info of "
               "every profiled -g binary in memory); false: function names from symbol tables."),
      KEY_BOOL("profiler.offcpu", profiler_offcpu, false,
               "Off-CPU profiling: blocked time by stack (sched_switch) into the store as "
               "type=\"offcpu\"."),
      ConfigKey{"profiler.offcpu_min_block", "duration",
                "Off-CPU intervals shorter than this are not counted (1us..10s).", false,
                [](const AgentConfig& c) {
                  auto us = c.profiler_offcpu_min_block.count();
                  return us % 1000 == 0 ? std::to_string(us / 1000) + "ms"
                                        : std::to_string(us) + "us";
                },
                [](AgentConfig& c, const std::string& v) -> Result {
                  auto d = parse_duration(v);
                  if (!d || *d < std::chrono::microseconds(1) || *d > std::chrono::seconds(10)) {
                    return "expected a duration from 1us to 10s, got '" + v + "'";
                  }
                  c.profiler_offcpu_min_block =
                      std::chrono::duration_cast<std::chrono::microseconds>(*d);
                  return std::nullopt;
                }},
      KEY_BOOL("profiler.kalloc", profiler_kalloc, false,
               "Kernel allocation profiling (kmalloc/kmem_cache_alloc sampled by bytes, by "
               "kernel stack, kfree matched) into the store as type=\"kalloc\"."),
      ConfigKey{"profiler.symbol_cache_mib", "uint",
                "Profile symbolizer: MiB of parsed ELF/DWARF objects kept, least recently used "
                "evicted (1..4096).",
                false,
                [](const AgentConfig& c) { return std::to_string(c.profiler_symbol_cache_mib); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_uint(v, c.profiler_symbol_cache_mib, 1, 4096);
                }},
      KEY_BYTES("profiler.kalloc_sample_bytes", profiler_kalloc_sample_bytes,
                "Kernel allocations: one sample per this many bytes on average (1 = every "
                "allocation .. 1GiB), e.g. 256KiB."),
      KEY_LIST("profiler.ualloc_comm", profiler_ualloc_comm, check_comm_list,
               "User allocation profiling (uprobes on malloc/free/new/delete of libc and "
               "libstdc++) of the processes with these names, comma-separated, including ones "
               "that start later; into the store as type=\"ualloc\". Empty: none."),
      KEY_LIST("profiler.ualloc_pids", profiler_ualloc_pids, check_pid_list,
               "User allocation profiling of these process ids, comma-separated."),
      KEY_BYTES("profiler.ualloc_sample_bytes", profiler_ualloc_sample_bytes,
                "User allocations: one sample per this many bytes on average (1 = every "
                "allocation .. 1GiB). Each allocator call costs its uprobe traps whatever the "
                "rate (about 5us per malloc+free pair)."),
      ConfigKey{
          "profiler.ualloc_max_processes", "uint",
          "User allocations: most processes probed at once; more matches are skipped and "
          "counted (1..1024).",
          false,
          [](const AgentConfig& c) { return std::to_string(c.profiler_ualloc_max_processes); },
          [](AgentConfig& c, const std::string& v) {
            return parse_uint(v, c.profiler_ualloc_max_processes, 1, 1024);
          }},
      ConfigKey{"store.memory_mib", "uint",
                "Profile store: MiB of windows kept in memory before spilling (1..65536).", false,
                [](const AgentConfig& c) { return std::to_string(c.store_memory_mib); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_uint(v, c.store_memory_mib, 1, 65536);
                }},
      ConfigKey{"store.spill_dir", "string",
                "Directory for windows past the memory cap (pprof files); empty drops them.", false,
                [](const AgentConfig& c) { return c.store_spill_dir; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (!v.empty() && v.front() != '/') {
                    return "expected an absolute path or nothing, got '" + v + "'";
                  }
                  c.store_spill_dir = v;
                  return std::nullopt;
                }},
      ConfigKey{"store.disk_mib", "uint",
                "Profile store: MiB of spilled windows on disk, oldest evicted (1..1048576).",
                false, [](const AgentConfig& c) { return std::to_string(c.store_disk_mib); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_uint(v, c.store_disk_mib, 1, 1u << 20);
                }},
      ConfigKey{
          "store.retention", "duration",
          "Profile windows older than this are evicted (0s: only the size caps; up to 30 days).",
          false,
          [](const AgentConfig& c) { return std::to_string(c.store_retention.count()) + "s"; },
          [](AgentConfig& c, const std::string& v) {
            return parse_dur(v, c.store_retention, milliseconds(0),
                             milliseconds(int64_t{30} * 24 * 3600 * 1000));
          }},
      ConfigKey{"push.pyroscope_url", "string",
                "Push every profile window to this Pyroscope server (http(s)://host:4040); "
                "empty: no push.",
                false, [](const AgentConfig& c) { return c.push_pyroscope_url; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (!v.empty() && v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
                    return "expected an http:// or https:// URL, got '" + v + "'";
                  }
                  c.push_pyroscope_url = v;
                  return std::nullopt;
                }},
      ConfigKey{"push.app_name", "string",
                "Application name of pushed profiles (<app_name>.<type>{labels}).", false,
                [](const AgentConfig& c) { return c.push_app_name; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (v.empty() || v.find_first_of("{}=, ") != std::string::npos) {
                    return "expected a name without spaces or {}=, got '" + v + "'";
                  }
                  c.push_app_name = v;
                  return std::nullopt;
                }},
      ConfigKey{"push.labels", "string",
                "Labels added to every pushed series, e.g. cluster=prod,node=n1.", false,
                [](const AgentConfig& c) { return c.push_labels; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (auto err = check_label_list(v)) return err;
                  c.push_labels = v;
                  return std::nullopt;
                }},
      ConfigKey{"push.queue", "uint",
                "Windows waiting to be pushed before new ones are dropped and counted (1..65536).",
                false, [](const AgentConfig& c) { return std::to_string(c.push_queue); },
                [](AgentConfig& c, const std::string& v) {
                  return parse_uint(v, c.push_queue, 1, 65536);
                }},
      ConfigKey{"profiler.unwind", "string",
                "User stacks: auto (frame pointers where verified exact, else DWARF unwinding "
                "from .eh_frame of a copied stack top), fp (frame pointers only, cheapest) or "
                "dwarf (always unwind).",
                false, [](const AgentConfig& c) { return c.profiler_unwind; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (v != "auto" && v != "fp" && v != "dwarf") {
                    return "expected auto, fp or dwarf, got '" + v + "'";
                  }
                  c.profiler_unwind = v;
                  return std::nullopt;
                }},
      KEY_BOOL("security.enabled", security, false,
               "Security feed: rules on exec/open/connect/... events, alerts to security.output."),
      ConfigKey{"security.rules", "string",
                "Rule files loaded in order, comma-separated; \"default\" is the embedded "
                "ruleset. SIGHUP reloads them (a bad reload keeps the old rules).",
                true, [](const AgentConfig& c) { return c.security_rules; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (v.find_first_not_of(", ") == std::string::npos) {
                    return "expected rule files or \"default\", got '" + v + "'";
                  }
                  c.security_rules = v;
                  return std::nullopt;
                }},
      ConfigKey{"security.output", "string",
                "Where alerts go, comma-separated: stdout, file:PATH, syslog, http(s)://URL.",
                false, [](const AgentConfig& c) { return c.security_output; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (auto err = check_outputs(v)) return err;
                  c.security_output = v;
                  return std::nullopt;
                }},
      ConfigKey{"security.min_priority", "string",
                "Least severe rule priority evaluated: emergency, alert, critical, error, "
                "warning, notice, informational or debug.",
                false, [](const AgentConfig& c) { return c.security_min_priority; },
                [](AgentConfig& c, const std::string& v) -> Result {
                  if (!is_priority_name(v)) {
                    return "expected emergency, alert, critical, error, warning, notice, "
                           "informational or debug, got '" +
                           v + "'";
                  }
                  c.security_min_priority = v;
                  return std::nullopt;
                }},
  };
}

std::vector<ConfigKey> build_keys() {
  std::vector<ConfigKey> keys = core_keys();
  for (auto& k : http_config_keys()) keys.push_back(std::move(k));
  return keys;
}

void walk(const YAML::Node& node, const std::string& prefix, const std::string& source,
          AgentConfig& config) {
  for (const auto& item : node) {
    std::string key = item.first.as<std::string>();
    std::string name = prefix.empty() ? key : prefix + "." + key;
    int line = item.first.Mark().line + 1;
    std::string where = source + ":" + std::to_string(line) + ": ";
    const YAML::Node& value = item.second;
    if (value.IsMap()) {
      walk(value, name, source, config);
      continue;
    }
    const ConfigKey* k = find_config_key(name);
    if (!k) throw Error(where + "unknown key '" + name + "'");
    std::string text;
    if (value.IsSequence() && std::string(k->type) == "list") {
      for (const auto& item : value) {
        if (!item.IsScalar()) throw Error(where + name + ": expected a list of strings");
        text += (text.empty() ? "" : ",") + item.Scalar();
      }
    } else if (value.IsScalar()) {
      text = value.Scalar();
    } else if (!value.IsNull() || std::string(k->type) != "list") {
      throw Error(where + name + ": expected a " + k->type + " value");
    }
    if (auto err = k->set(config, text)) throw Error(where + name + ": " + *err);
  }
}

// `value` as YAML reads it back: quoted when plain text would not be (an
// empty string, " #", ": ", a leading "[" ...).
std::string yaml_scalar(const std::string& value) {
  if (value.empty()) return "\"\"";  // "key:" alone reads back as null
  YAML::Emitter emitter;
  emitter << value;
  return emitter.c_str();
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = build_keys();
  return keys;
}

const ConfigKey* find_config_key(const std::string& name) {
  for (const auto& k : config_keys()) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

AgentConfig parse_config_yaml(const std::string& text, const std::string& source,
                              AgentConfig base) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(source + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  if (root.IsNull()) return base;  // an empty file keeps the defaults
  if (!root.IsMap()) throw Error(source + ":1: expected a mapping of configuration keys");
  walk(root, "", source, base);
  return base;
}

AgentConfig load_config_file(const std::string& path, AgentConfig base) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config_yaml(ss.str(), path, std::move(base));
}

void apply_config_value(AgentConfig& config, const std::string& key, const std::string& value) {
  const ConfigKey* k = find_config_key(key);
  if (!k) throw Error("unknown configuration key '" + key + "'");
  if (auto err = k->set(config, value)) throw Error("--" + key + ": " + *err);
}

std::string render_config_yaml(const AgentConfig& config) {
  std::ostringstream out;
  out << "# ksight agent configuration (every key is also a --<key> flag).\n";
  std::string section;
  for (const auto& k : config_keys()) {
    std::string name = k.name;
    auto dot = name.find('.');
    std::string sec = dot == std::string::npos ? "" : name.substr(0, dot);
    std::string leaf = dot == std::string::npos ? name : name.substr(dot + 1);
    if (sec != section && !sec.empty()) out << sec << ":\n";
    section = sec;
    std::string indent = sec.empty() ? "" : "  ";
    out << indent << "# " << k.help << (k.reloadable ? "" : " (restart to change)") << "\n";
    std::string value = k.shown ? k.shown(config) : k.get(config);
    out << indent << leaf << ": " << yaml_scalar(value) << "\n";
  }
  return out.str();
}

std::vector<std::string> changed_keys(const AgentConfig& a, const AgentConfig& b) {
  std::vector<std::string> changed;
  for (const auto& k : config_keys()) {
    if (k.get(a) != k.get(b)) changed.push_back(k.name);
  }
  return changed;
}

std::optional<std::pair<std::string, int>> parse_listen_address(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return std::nullopt;  // bare IPv6 needs brackets
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  int p = std::stoi(port);
  if (p > 65535) return std::nullopt;
  return std::pair{host, p};
}

}  // namespace ksight::agent
