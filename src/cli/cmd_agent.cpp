// `ksight agent`: the long-running node agent (src/agent/agent.h). Embedded
// defaults, then --config YAML, then the OTEL_* environment, then flags
// (every config key is a flag).
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "agent/otel_environment.h"
#include "agent/proc_reader.h"
#include "cli/agent_http.h"
#include "cli/agent_profile_types.h"
#include "cli/agent_profiling.h"
#include "cli/agent_security.h"
#include "cli/command_registry.h"
#include "common/signals.h"

namespace {

struct AgentOptions {
  std::string config_path;
  bool print_config = false;
  std::map<std::string, std::string> flags;  // key → value given on the command line
};

ksight::agent::AgentConfig effective_config(const AgentOptions& opts) {
  using namespace ksight::agent;
  AgentConfig config;
  if (!opts.config_path.empty()) config = load_config_file(opts.config_path, config);
  apply_otel_environment(config, [](const char* name) { return std::getenv(name); });
  for (const auto& [key, value] : opts.flags) apply_config_value(config, key, value);
  return config;
}

std::function<int()> setup_agent(CLI::App& app) {
  auto opts = std::make_shared<AgentOptions>();
  auto* cmd =
      app.add_subcommand("agent",
                         "Run the node agent: syscall, process, kernel memory and TCP metrics on "
                         "http://127.0.0.1:9464/metrics (SIGHUP reloads --config, SIGTERM stops)");
  cmd->add_option("--config", opts->config_path, "YAML configuration file")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--print-config", opts->print_config,
                "Print the effective configuration as YAML and exit");
  for (const auto& key : ksight::agent::config_keys()) {
    std::string name = key.name;
    cmd->add_option_function<std::string>(
           "--" + name, [opts, name](const std::string& v) { opts->flags[name] = v; },
           std::string(key.help) + " [" + key.type + "]")
        ->type_name(key.type);
  }
  // HTTP spans (issue 7): --http, --otlp-*, --http-* set http.* keys.
  auto http = ksight::cli::add_http_options(
      *cmd, [opts](const std::string& key, const std::string& v) { opts->flags[key] = v; });
  return [opts, http] {
    using namespace ksight;
    agent::AgentConfig config = effective_config(*opts);
    if (opts->print_config) {
      std::fputs(agent::render_config_yaml(config).c_str(), stdout);
      return 0;
    }
    // The global --log-level already configured the logger; a log_level
    // from the config file or --log_level overrides it.
    if (config.log_level != agent::AgentConfig{}.log_level) {
      spdlog::set_level(spdlog::level::from_str(config.log_level));
    }
    // Block the signals before any thread starts so they all inherit the mask.
    SignalFd signals({SIGTERM, SIGINT, SIGHUP});
    agent::LinuxProcReader proc(config.proc_root);
    agent::Agent agent(config, proc);
    cli::install_http(*http, config.http, agent);
    auto profiling = cli::install_profiling(agent);  // 19 Hz CPU windows → store → UI, pprof
    cli::install_profile_types(agent, profiling);    // off-CPU, kalloc, store.*, push.*
    cli::install_security(agent);  // security.*: rules on the security feed, alerts out
    agent.start();
    spdlog::info("ksight agent running (SIGHUP reloads, SIGTERM stops)");
    return agent.run(signals, [opts] { return effective_config(*opts); });
  };
}

}  // namespace

KSIGHT_REGISTER_COMMAND(5, setup_agent);
