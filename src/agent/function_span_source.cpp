#include "agent/function_span_source.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <set>

#include "agent/bpf_maps.h"
#include "agent/process_table.h"
#include "agent/syscall_names.h"
#include "common/error.h"
#include "funcspan.h"
#include "funcspan.skel.h"
#include "slowsys.h"
#include "slowsys.skel.h"

static_assert(sizeof(ksight_event_header) == 48);
static_assert(offsetof(ksight_funcspan_event, start_ns) == 48);
static_assert(offsetof(ksight_funcspan_event, cookie) == 56);
static_assert(offsetof(ksight_funcspan_event, depth) == 64);
static_assert(sizeof(ksight_funcspan_event) == 72);
static_assert(offsetof(ksight_slowsys_event, start_ns) == 48);
static_assert(offsetof(ksight_slowsys_event, ret) == 56);
static_assert(offsetof(ksight_slowsys_event, nr) == 64);
static_assert(sizeof(ksight_slowsys_event) == 72);

namespace ksight::agent {
namespace {

class FunctionSpanSource : public EventSource {
 public:
  FunctionSpanSource(SourceContext& ctx, FunctionSpanSourceOptions options)
      : ctx_(ctx),
        options_(std::move(options)),
        counters_(ctx.registry),
        outcomes_(ctx.registry.counter(
            "ksight_function_span_events_total",
            "Function and slow-syscall span outcomes: spans built, of them parented under a "
            "server span, settled before the HTTP side had caught up (unsettled), calls "
            "made while their thread served several requests (ambiguous_parent: no parent; "
            "slow syscalls among them dropped), slow syscalls outside any request and calls "
            "of an unknown probe (both dropped).",
            {"event"})) {
    otel::FunctionSpans::Options fo;
    fo.specs = options_.specs;
    fo.boot_to_unix_ns = otel::boot_to_unix_offset_ns();
    spans_ = std::make_unique<otel::FunctionSpans>(
        fo,
        [this](uint32_t tid, uint64_t start, uint64_t end) {
          const otel::HttpTracker* t = options_.tap ? options_.tap->tracker : nullptr;
          return t ? t->server_span_during(tid, start, end) : otel::ThreadSpanLookup{true, {}};
        },
        [this](uint32_t pid, const std::string& comm) { return resource_for(pid, comm); },
        [this](otel::Span&& s) { emit(std::move(s)); });
  }
  ~FunctionSpanSource() override { stop(); }

  const char* name() const override { return "function_spans"; }

  void start() override {
    try {
      if (!options_.specs.empty()) start_functions();
      if (options_.slow_syscall_ns) start_slow_syscalls();
    } catch (...) {
      stop();
      throw;
    }
  }

  void stop() override {
    if (ring_) {
      ring_buffer__consume(ring_);
      ring_buffer__free(ring_);
    }
    ring_ = nullptr;
    for (bpf_link* l : links_) bpf_link__destroy(l);
    links_.clear();
    if (skel_) funcspan_bpf__destroy(skel_);
    skel_ = nullptr;
    if (slow_) slowsys_bpf__destroy(slow_);
    slow_ = nullptr;
    pids_.clear();
  }

  int poll_fd() const override { return ring_ ? ring_buffer__epoll_fd(ring_) : -1; }
  int consume() override { return ring_ ? ring_buffer__consume(ring_) : 0; }

  void collect() override {
    if (!ring_) return;
    consume();
    // Every ring was drained just before this collect: calls that waited
    // for their thread's HTTP payloads settle now or on the next one.
    spans_->flush();
    if (slow_) sync_pids();
    uint64_t events = 0, lost = unexported_;
    if (skel_) {
      auto c = sum_percpu_u64_array(bpf_map__fd(skel_->maps.counters), KSIGHT_FUNCSPAN_COUNTER_MAX);
      events += c[KSIGHT_FUNCSPAN_EVENTS];
      lost += c[KSIGHT_FUNCSPAN_LOST_RINGBUF] + c[KSIGHT_FUNCSPAN_TOO_DEEP] +
              c[KSIGHT_FUNCSPAN_LOST_RETURN] + c[KSIGHT_FUNCSPAN_UNMATCHED];
    }
    if (slow_) {
      auto c = sum_percpu_u64_array(bpf_map__fd(slow_->maps.counters), KSIGHT_SLOWSYS_COUNTER_MAX);
      events += c[KSIGHT_SLOWSYS_EVENTS];
      lost += c[KSIGHT_SLOWSYS_LOST_RINGBUF];
    }
    counters_.events.set_total({name()}, static_cast<double>(events));
    counters_.lost.set_total({name()}, static_cast<double>(lost));
    publish_outcomes(spans_->stats());
  }

  void forget(const std::vector<uint32_t>& pids) override {
    for (uint32_t pid : pids) resources_.erase(pid);
  }

 private:
  void publish_outcomes(const otel::FunctionSpanStats& s) {
    outcomes_.set_total({"span"}, static_cast<double>(s.spans));
    outcomes_.set_total({"parented"}, static_cast<double>(s.parented));
    outcomes_.set_total({"unsettled"}, static_cast<double>(s.unsettled));
    outcomes_.set_total({"ambiguous_parent"}, static_cast<double>(s.ambiguous_parents));
    outcomes_.set_total({"syscall_outside_request"}, static_cast<double>(s.syscalls_outside));
    outcomes_.set_total({"unknown_probe"}, static_cast<double>(s.unknown_index));
  }

  void start_functions() {
    skel_ = funcspan_bpf__open();
    if (!skel_) throw CapabilityError("function spans: cannot open BPF object");
    bpf_map__set_max_entries(skel_->maps.events,
                             std::max<uint32_t>(ctx_.ring_buffer_bytes, 1u << 20));
    if (int err = funcspan_bpf__load(skel_)) {
      throw CapabilityError(std::string("function spans: BPF load failed: ") + strerror(-err));
    }
    for (size_t i = 0; i < options_.specs.size(); ++i) attach(i);
    add_ring(bpf_map__fd(skel_->maps.events), &FunctionSpanSource::on_record);
  }

  void start_slow_syscalls() {
    slow_ = slowsys_bpf__open();
    if (!slow_) throw CapabilityError("slow syscalls: cannot open BPF object");
    slow_->rodata->threshold_ns = options_.slow_syscall_ns;
    if (int err = slowsys_bpf__load(slow_)) {
      throw CapabilityError(std::string("slow syscalls: BPF load failed: ") + strerror(-err));
    }
    if (int err = slowsys_bpf__attach(slow_)) {
      throw CapabilityError(std::string("slow syscalls: attach raw_syscalls failed: ") +
                            strerror(-err));
    }
    add_ring(bpf_map__fd(slow_->maps.events), &FunctionSpanSource::on_syscall);
  }

  void add_ring(int fd, ring_buffer_sample_fn fn) {
    if (!ring_) {
      ring_ = ring_buffer__new(fd, fn, this, nullptr);
      if (!ring_) throw CapabilityError("function spans: cannot create ring buffer consumer");
    } else if (ring_buffer__add(ring_, fd, fn, this) != 0) {
      throw CapabilityError("function spans: cannot add a ring buffer");
    }
  }

  // The processes whose slow syscalls are timed: those serving HTTP now.
  void sync_pids() {
    const otel::HttpTracker* t = options_.tap ? options_.tap->tracker : nullptr;
    std::set<uint32_t> want;
    if (t) {
      for (uint32_t pid : t->server_pids())
        if (pid != self_ && want.size() < KSIGHT_SLOWSYS_PIDS) want.insert(pid);
    }
    int fd = bpf_map__fd(slow_->maps.pids);
    uint8_t one = 1;
    for (uint32_t pid : want)
      if (!pids_.count(pid)) bpf_map_update_elem(fd, &pid, &one, BPF_ANY);
    for (uint32_t pid : pids_)
      if (!want.count(pid)) bpf_map_delete_elem(fd, &pid);
    pids_.swap(want);
  }

  static int on_syscall(void* self, void* data, size_t size) {
    auto* source = static_cast<FunctionSpanSource*>(self);
    auto call = decode_slow_syscall({static_cast<const uint8_t*>(data), size});
    if (!call) {
      source->counters_.decode_errors.inc({source->name()});
      return 0;
    }
    source->spans_->on_call(std::move(*call));
    return 0;
  }

  // Entry and return probes of spec i, for every process mapping the binary.
  void attach(size_t i) {
    const otel::FunctionSpec& spec = options_.specs[i];
    if (access(spec.binary.c_str(), R_OK) != 0) {
      throw Error("function span " + spec.binary + ":" + spec.symbol + ": " + strerror(errno));
    }
    for (bool ret : {false, true}) {
      LIBBPF_OPTS(bpf_uprobe_opts, o, .bpf_cookie = i, .retprobe = ret,
                  .func_name = spec.symbol.c_str());
      bpf_program* prog = ret ? skel_->progs.func_return : skel_->progs.func_entry;
      bpf_link* link = bpf_program__attach_uprobe_opts(prog, -1, spec.binary.c_str(), 0, &o);
      if (!link) {
        int err = errno;
        std::string why = err == ENOENT ? "no function '" + spec.symbol + "' in " + spec.binary
                                        : std::string("attach failed: ") + strerror(err);
        throw Error("function span " + spec.binary + ":" + spec.symbol + ": " + why);
      }
      links_.push_back(link);
    }
    spdlog::info("function spans: {}:{} → '{}'", spec.binary, spec.symbol, spec.span_name);
  }

  static int on_record(void* self, void* data, size_t size) {
    auto* source = static_cast<FunctionSpanSource*>(self);
    auto call = decode_function_call({static_cast<const uint8_t*>(data), size});
    if (!call) {
      source->counters_.decode_errors.inc({source->name()});
      return 0;
    }
    source->spans_->on_call(std::move(*call));
    return 0;
  }

  void emit(otel::Span&& span) {
    if (options_.tap && options_.tap->emit) {
      options_.tap->emit(std::move(span));
    } else {
      ++unexported_;  // the HTTP source is not running: nowhere to send it
    }
  }

  std::shared_ptr<const otel::Resource> resource_for(uint32_t pid, const std::string& comm) {
    if (auto it = resources_.find(pid); it != resources_.end()) return it->second;
    auto id = process_identity(ctx_.processes, options_.service_names, pid, comm);
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    if (!extra_)
      extra_ = std::make_shared<const otel::ExtraAttributes>(options_.resource_attributes);
    auto r = otel::make_resource(id, host, extra_);
    if (resources_.size() > 65536) resources_.clear();
    resources_.emplace(pid, r);
    return r;
  }

  SourceContext& ctx_;
  FunctionSpanSourceOptions options_;
  SourceCounters counters_;
  metrics::Counter& outcomes_;
  std::unique_ptr<otel::FunctionSpans> spans_;
  std::map<uint32_t, std::shared_ptr<const otel::Resource>> resources_;
  std::shared_ptr<const otel::ExtraAttributes> extra_;  // shared by every resource
  std::vector<bpf_link*> links_;
  uint64_t unexported_ = 0;
  funcspan_bpf* skel_ = nullptr;
  slowsys_bpf* slow_ = nullptr;
  std::set<uint32_t> pids_;  // in slow_->maps.pids
  uint32_t self_ = static_cast<uint32_t>(getpid());
  ring_buffer* ring_ = nullptr;
};

}  // namespace

std::optional<otel::FunctionCall> decode_function_call(std::span<const uint8_t> record) {
  ksight_funcspan_event e;
  if (record.size() < sizeof e) return std::nullopt;
  std::memcpy(&e, record.data(), sizeof e);
  if (e.header.type != KSIGHT_EVENT_FUNC_SPAN || e.header.timestamp_ns < e.start_ns) {
    return std::nullopt;
  }
  otel::FunctionCall c;
  c.pid = e.header.pid;
  c.tid = e.header.tid;
  c.index = e.cookie;
  c.start_ns = e.start_ns;
  c.end_ns = e.header.timestamp_ns;
  c.comm.assign(e.header.comm, strnlen(e.header.comm, sizeof e.header.comm));
  return c;
}

std::optional<otel::FunctionCall> decode_slow_syscall(std::span<const uint8_t> record) {
  ksight_slowsys_event e;
  if (record.size() < sizeof e) return std::nullopt;
  std::memcpy(&e, record.data(), sizeof e);
  if (e.header.type != KSIGHT_EVENT_SLOW_SYSCALL || e.header.timestamp_ns < e.start_ns) {
    return std::nullopt;
  }
  otel::FunctionCall c;
  c.pid = e.header.pid;
  c.tid = e.header.tid;
  c.start_ns = e.start_ns;
  c.end_ns = e.header.timestamp_ns;
  c.comm.assign(e.header.comm, strnlen(e.header.comm, sizeof e.header.comm));
  c.syscall = syscall_name(e.nr);
  c.ret = e.ret;
  return c;
}

std::unique_ptr<EventSource> make_function_span_source(SourceContext& context,
                                                       FunctionSpanSourceOptions options) {
  return std::make_unique<FunctionSpanSource>(context, std::move(options));
}

}  // namespace ksight::agent
