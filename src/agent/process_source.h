#pragma once
// Process lifecycle source (bpf/process.bpf.c): fork/exec/exit records from a
// ring buffer, decoded and applied to the process table, then handed to
// listeners (the security feed, the rules engine).
#include <functional>
#include <memory>
#include <span>

#include "agent/event_decode.h"
#include "agent/event_source.h"

namespace ksight::agent {

struct ProcessSourceOptions {
  // Called on the agent loop thread after the table is updated.
  std::function<void(const ProcessEvent&)> on_event;
};

std::unique_ptr<EventSource> make_process_source(SourceContext& context,
                                                 ProcessSourceOptions options = {});

// Applies one raw record: decode, table update, metrics, listener. Exposed
// for tests that replay recorded records without a kernel.
class ProcessRecordHandler {
 public:
  ProcessRecordHandler(SourceContext& context, ProcessSourceOptions options);
  // false when the record did not decode (counted as a decode error).
  bool handle(std::span<const uint8_t> record);

 private:
  SourceContext& ctx_;
  ProcessSourceOptions options_;
  SourceCounters counters_;
  metrics::Counter& by_type_;
};

}  // namespace ksight::agent
