#pragma once
// The seam between the kernel and the agent pipeline. Each BPF feature
// (bpf/<feature>.bpf.c) has one EventSource that loads and attaches it,
// drains its ring buffer (if any) and turns its aggregation maps into
// metrics. The agent loop only sees this interface, so it runs in tests
// with fake sources.
#include <cstdint>
#include <string>
#include <vector>

#include "metrics/registry.h"

namespace ksight::agent {

class ProcessTable;
struct AgentConfig;

// What every source may use. Owned by the agent; outlives the sources.
struct SourceContext {
  metrics::Registry& registry;
  ProcessTable& processes;
  uint32_t ring_buffer_bytes = 4u << 20;  // per source with a ring buffer
};

class EventSource {
 public:
  virtual ~EventSource() = default;
  // The `source` label of ksight_events_total and ksight_events_lost_total.
  virtual const char* name() const = 0;
  // Loads and attaches; throws ksight::CapabilityError when the kernel refuses.
  virtual void start() = 0;
  // Detaches and frees kernel objects. Idempotent.
  virtual void stop() = 0;
  // A ring-buffer epoll fd to wait on, or -1 when the source only aggregates.
  virtual int poll_fd() const { return -1; }
  // Drains pending records without blocking; returns how many were handled.
  virtual int consume() { return 0; }
  // Reads kernel maps into metrics (called on the collect interval).
  virtual void collect() {}
  // These processes are gone: drop their kernel map entries.
  virtual void forget(const std::vector<uint32_t>& pids) {}
  // SIGHUP: the configuration was re-read (`config` is the new one), so a
  // source may re-read its own files (the security feed's rules).
  virtual void reload(const AgentConfig& config) {}
};

// The two counters every source reports, registered once.
struct SourceCounters {
  explicit SourceCounters(metrics::Registry& registry);
  metrics::Counter& events;         // ksight_events_total{source}
  metrics::Counter& lost;           // ksight_events_lost_total{source}
  metrics::Counter& decode_errors;  // ksight_events_decode_errors_total{source}
};

}  // namespace ksight::agent
