#pragma once
// The profile types beyond CPU inside `ksight agent` (issue 8): off-CPU time
// (profiler.offcpu, bpf/offcpu.bpf.c), kernel allocations (profiler.kalloc,
// bpf/alloc.bpf.c) and user allocations of chosen processes
// (profiler.ualloc_comm/pids, bpf/ualloc.bpf.c, agent_ualloc.h) close a
// window every profiler.window and write one series per process into the
// same store as the CPU windows (type="offcpu" / "kalloc" / "ualloc"), so
// the UI's type picker, its JSON APIs and GET /debug/pprof/<type>?seconds=N
// serve them. Also: the store's options from the config (store.*) and the
// Pyroscope push of every window (push.*), with its counters on /metrics.
#include <memory>
#include <string>

#include "store/labels.h"
#include "store/store.h"

namespace ksight::agent {
class Agent;
struct AgentConfig;
}  // namespace ksight::agent

namespace ksight::cli {

class AgentProfiling;

// store.memory_mib, store.spill_dir, store.disk_mib, store.retention.
store::StoreOptions store_options(const agent::AgentConfig& config);

// "k=v,k=v" (validated by the config) → labels.
store::Labels parse_label_list(const std::string& text);

// The off-CPU, kernel- and user-allocation source factories, their pprof routes,
// the store metrics, and the Pyroscope push when push.pyroscope_url is set.
// Call after install_profiling() and before Agent::start().
void install_profile_types(agent::Agent& agent, const std::shared_ptr<AgentProfiling>& profiling);

}  // namespace ksight::cli
