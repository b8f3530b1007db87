#pragma once
// `ksight agent` options for HTTP spans and RED metrics (issue 7), kept out
// of cmd_agent.cpp. The settings are the http.* configuration keys
// (agent/agent_config_http.cpp); add_http_options() registers the familiar
// --http, --otlp-* and --http-* flags as aliases of those keys, and
// install_http() adds the "sources.http" factory when the effective
// configuration asks for it.
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

namespace ksight::agent {
class Agent;
struct HttpConfig;
}  // namespace ksight::agent

namespace ksight::cli {

struct AgentHttpOptions;

// Where an alias puts its value: the agent's key → value flag map, applied
// over the config file like the --<key> flags.
using ConfigFlagSink = std::function<void(const std::string& key, const std::string& value)>;

std::shared_ptr<AgentHttpOptions> add_http_options(CLI::App& agent_command, ConfigFlagSink sink);
void install_http(const AgentHttpOptions& options, const agent::HttpConfig& config,
                  agent::Agent& agent);

}  // namespace ksight::cli
