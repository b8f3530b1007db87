#pragma once
// User allocations as an agent profile type (issue 8): uprobes on the libc
// and libstdc++ allocator of the processes named by profiler.ualloc_comm /
// profiler.ualloc_pids (src/agent/ualloc_profiler.h), attached as they
// appear in the process table and detached when they exit, one window per
// profiler.window into the store as type="ualloc"
// (alloc_objects/alloc_space/inuse_objects/inuse_space).
#include <memory>

#include "agent/event_source.h"

namespace ksight::cli {

class AgentProfiling;

std::unique_ptr<agent::EventSource> make_ualloc_source(AgentProfiling& profiling,
                                                       agent::SourceContext& context,
                                                       const agent::AgentConfig& config);

}  // namespace ksight::cli
