#include "agent/process_source.h"

#include <bpf/libbpf.h>

#include <cstring>

#include "agent/bpf_maps.h"
#include "agent/process_table.h"
#include "common/error.h"
#include "process.h"
#include "process.skel.h"

namespace ksight::agent {

namespace {

const char* type_label(ProcessEventType type) {
  switch (type) {
    case ProcessEventType::kFork:
      return "fork";
    case ProcessEventType::kExec:
      return "exec";
    case ProcessEventType::kExit:
      return "exit";
  }
  return "unknown";
}

class ProcessSource : public EventSource {
 public:
  ProcessSource(SourceContext& ctx, ProcessSourceOptions options)
      : ctx_(ctx), handler_(ctx, std::move(options)), counters_(ctx.registry) {}
  ~ProcessSource() override { stop(); }

  const char* name() const override { return "process"; }

  void start() override {
    skel_ = process_bpf__open();
    if (!skel_) throw CapabilityError("process: cannot open BPF object");
    bpf_map__set_max_entries(skel_->maps.events, ctx_.ring_buffer_bytes);
    if (int err = process_bpf__load(skel_)) {
      stop();
      throw CapabilityError(std::string("process: BPF load failed: ") + strerror(-err));
    }
    if (int err = process_bpf__attach(skel_)) {
      stop();
      throw CapabilityError(std::string("process: attach sched_process_* failed: ") +
                            strerror(-err));
    }
    ring_ =
        ring_buffer__new(bpf_map__fd(skel_->maps.events), &ProcessSource::on_record, this, nullptr);
    if (!ring_) {
      stop();
      throw CapabilityError("process: cannot create ring buffer consumer");
    }
  }

  void stop() override {
    if (ring_) ring_buffer__free(ring_);
    ring_ = nullptr;
    if (skel_) process_bpf__destroy(skel_);
    skel_ = nullptr;
  }

  int poll_fd() const override { return ring_ ? ring_buffer__epoll_fd(ring_) : -1; }

  int consume() override { return ring_ ? ring_buffer__consume(ring_) : 0; }

  void collect() override {
    if (!skel_) return;
    auto lost = sum_percpu_u64_array(bpf_map__fd(skel_->maps.lost), KSIGHT_PROCESS_LOST_MAX);
    counters_.lost.set_total({name()}, static_cast<double>(lost[KSIGHT_PROCESS_LOST_RINGBUF]));
  }

 private:
  static int on_record(void* self, void* data, size_t size) {
    auto* source = static_cast<ProcessSource*>(self);
    source->handler_.handle({static_cast<const uint8_t*>(data), size});
    return 0;
  }

  SourceContext& ctx_;
  ProcessRecordHandler handler_;
  SourceCounters counters_;
  process_bpf* skel_ = nullptr;
  ring_buffer* ring_ = nullptr;
};

}  // namespace

ProcessRecordHandler::ProcessRecordHandler(SourceContext& context, ProcessSourceOptions options)
    : ctx_(context),
      options_(std::move(options)),
      counters_(context.registry),
      by_type_(context.registry.counter("ksight_process_events_total",
                                        "Process lifecycle events by type.", {"type"})) {}

bool ProcessRecordHandler::handle(std::span<const uint8_t> record) {
  auto event = decode_process_event(record);
  if (!event) {
    counters_.decode_errors.inc({"process"});
    return false;
  }
  counters_.events.inc({"process"});
  by_type_.inc({type_label(event->type)});
  ctx_.processes.apply(*event);
  if (options_.on_event) options_.on_event(*event);
  return true;
}

std::unique_ptr<EventSource> make_process_source(SourceContext& context,
                                                 ProcessSourceOptions options) {
  return std::make_unique<ProcessSource>(context, std::move(options));
}

}  // namespace ksight::agent
