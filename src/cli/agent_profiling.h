#pragma once
// Continuous CPU profiling inside `ksight agent` (issues 3 and 8): a 19 Hz
// sampler on every CPU feeds 10 s windows per process into the profile
// store, which backs the web UI at "/" and GET /debug/pprof/profile.
// Kept out of cmd_agent.cpp like agent_http: install_profiling() adds the
// "profiler" source factory, the UI routes and the pprof provider.
#include <memory>

namespace ksight::agent {
class Agent;
}
namespace ksight::store {
class Store;
}
namespace ksight::symbolizer {
class Symbolizer;
}

namespace ksight::cli {

class AgentProfiling;

// Must outlive the agent (its HTTP server and sources point into it).
std::shared_ptr<AgentProfiling> install_profiling(agent::Agent& agent);

// The store (sized by store.*) and the symbolizer the other profile types
// share (agent_profile_types.h); both are used on the agent loop only.
store::Store& profiling_store(AgentProfiling& profiling);
symbolizer::Symbolizer& profiling_symbolizer(AgentProfiling& profiling);

}  // namespace ksight::cli
