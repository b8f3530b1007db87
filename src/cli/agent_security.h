#pragma once
// The security feed inside `ksight agent` (issue 5): the kernel security
// events (src/agent/security_*) through the rules engine exactly as
// `ksight detect` runs it (rules::Detector), alerts to security.output,
// ksight_alerts_total and friends on /metrics, and SIGHUP re-reading
// security.rules (a bad reload keeps the old rules and logs why).
// Kept out of cmd_agent.cpp like agent_http and agent_profiling.
#include <memory>

namespace ksight::agent {
class Agent;
}

namespace ksight::cli {

class AgentSecurity;

// Adds the "security.enabled" source factory. The returned state is also
// held by the factory, so dropping it is fine.
std::shared_ptr<AgentSecurity> install_security(agent::Agent& agent);

}  // namespace ksight::cli
