#pragma once
// TCP source (bpf/net.bpf.c): connect/accept/close records through a ring
// buffer, retransmit/reset/byte counters from a per-CPU array.
#include <functional>
#include <memory>
#include <span>

#include "agent/event_decode.h"
#include "agent/event_source.h"

namespace ksight::agent {

struct NetSourceOptions {
  std::function<void(const TcpEvent&)> on_event;  // on the agent loop thread
};

std::unique_ptr<EventSource> make_net_source(SourceContext& context, NetSourceOptions options = {});

// Decode + metrics for one record; exposed for replay tests.
class TcpRecordHandler {
 public:
  TcpRecordHandler(metrics::Registry& registry, NetSourceOptions options);
  bool handle(std::span<const uint8_t> record);

 private:
  NetSourceOptions options_;
  SourceCounters counters_;
  metrics::Counter& connections_;
  metrics::Histogram& connect_latency_;
  metrics::Histogram& lifetime_;
  metrics::Counter& closed_bytes_;
};

}  // namespace ksight::agent
