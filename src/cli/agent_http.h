#pragma once
// `ksight agent` options for HTTP spans and RED metrics (issue 7), kept out
// of cmd_agent.cpp: add_http_options() registers the flags, install_http()
// adds the "sources.http" factory to the agent when they ask for it.
#include <CLI/CLI.hpp>

#include <memory>

namespace ksight::agent {
class Agent;
}

namespace ksight::cli {

struct AgentHttpOptions;

std::shared_ptr<AgentHttpOptions> add_http_options(CLI::App& agent_command);
void install_http(const std::shared_ptr<AgentHttpOptions>& options, agent::Agent& agent);

}  // namespace ksight::cli
