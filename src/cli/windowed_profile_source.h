#pragma once
// The shape every agent profile type beyond CPU shares (off-CPU, kernel and
// user allocations): a profiler that aggregates in kernel maps, read out
// once per profiler.window on the agent loop (collect) into one store
// series per process, labelled comm, pid, container_id, pod_uid and type.
#include <cstdint>
#include <vector>

#include "agent/event_source.h"
#include "profile/profile.h"
#include "store/store.h"

namespace ksight::agent {
class ProcessTable;
}
namespace ksight::symbolizer {
class Symbolizer;
}

namespace ksight::cli {

class AgentProfiling;

// container_id / pod_uid of a process, as every profile type labels them.
store::Labels process_labels(agent::ProcessTable& processes, uint32_t pid);

class WindowedProfileSource : public agent::EventSource {
 public:
  WindowedProfileSource(AgentProfiling& profiling, agent::SourceContext& context,
                        const agent::AgentConfig& config, const char* name, const char* type);

  const char* name() const override { return name_; }
  void start() override;
  void stop() override;
  void collect() override;

 protected:
  virtual void attach() = 0;
  virtual void detach() = 0;
  virtual bool attached() const = 0;
  // Drains the kernel maps into a symbolized profile of [start, end).
  virtual profile::Profile take(int64_t start_ns, int64_t end_ns) = 0;
  // Cumulative losses (kernel map full, stack errors).
  virtual uint64_t lost_total() const = 0;
  // After each window's take(): a chance to prune per-process state.
  virtual void window_closed() {}
  symbolizer::Symbolizer& symbolizer() { return symbolizer_; }
  agent::ProcessTable& processes() { return processes_; }

 private:
  void close_window(int64_t end_ns);

  store::Store& store_;
  symbolizer::Symbolizer& symbolizer_;
  agent::ProcessTable& processes_;
  agent::SourceCounters counters_;
  int64_t window_ns_;
  const char* name_;
  const char* type_;
  int64_t window_start_ns_ = 0;
  uint64_t reported_lost_ = 0;
};

}  // namespace ksight::cli
