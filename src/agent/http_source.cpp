#include "agent/http_source.h"

#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "agent/bpf_maps.h"
#include "agent/feature_probe.h"
#include "agent/process_table.h"
#include "common/error.h"
#include "export/otlp/exporter.h"
#include "export/otlp/otlp_transport.h"
#include "http.h"
#include "http.skel.h"
#include "otel/http_pipeline.h"

static_assert(offsetof(ksight_http_payload, sock) == 48);
static_assert(offsetof(ksight_http_payload, total) == 56);
static_assert(offsetof(ksight_http_payload, fd) == 64);
static_assert(offsetof(ksight_http_payload, captured) == 68);
static_assert(offsetof(ksight_http_payload, direction) == 72);
static_assert(offsetof(ksight_http_payload, family) == 74);
static_assert(offsetof(ksight_http_payload, lport) == 76);
static_assert(offsetof(ksight_http_payload, rport) == 78);
static_assert(offsetof(ksight_http_payload, laddr) == 80);
static_assert(offsetof(ksight_http_payload, raddr) == 96);
static_assert(offsetof(ksight_http_payload, data) == 112);

namespace ksight::agent {
namespace {

uint64_t boot_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string basename_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

class HttpSource : public EventSource {
 public:
  HttpSource(SourceContext& ctx, HttpSourceOptions options)
      : ctx_(ctx),
        options_(std::move(options)),
        counters_(ctx.registry),
        kernel_(ctx.registry.counter(
            "ksight_http_kernel_payloads_total",
            "TCP payloads by what the kernel side did with them: skipped (socket classified "
            "TLS/non-HTTP, not sent), truncated (longer than the capture), lost_task_storage, "
            "untracked_call (io_uring, recvmmsg/sendmmsg: buffer unknown, not captured).",
            {"outcome"})) {
    otel::HttpPipelineOptions po;
    po.routes = options_.routes;
    po.max_paths = options_.max_paths;
    po.metrics_kind_label = options_.metrics_kind_label;
    if (!options_.buckets.empty()) po.buckets = options_.buckets;
    po.host_name = host_name();
    po.resource_attributes =
        std::make_shared<const otel::ExtraAttributes>(options_.resource_attributes);
    po.boot_to_unix_ns = otel::boot_to_unix_offset_ns();
    po.span_sample_ratio = options_.span_sample_ratio;
    if (options_.tap) po.tracker.thread_history = 4;
    // Built spans only for a consumer that wants them now (tests,
    // --print-spans); the exporter gets them unbuilt (start_exporter).
    otel::HttpPipeline::SpanFn built;
    if (options_.on_span) built = [this](otel::Span&& s) { options_.on_span(s); };
    pipeline_ = std::make_unique<otel::HttpPipeline>(
        ctx.registry, po,
        [this](uint32_t pid, const std::string& comm) { return identity(pid, comm); },
        std::move(built));
  }
  ~HttpSource() override { stop(); }

  const char* name() const override { return "http"; }

  void start() override {
    if (!options_.otlp.endpoint.empty()) start_exporter();
    skel_ = http_bpf__open();
    if (!skel_) throw CapabilityError("http: cannot open BPF object");
    skel_->rodata->capture_bytes =
        std::min<uint32_t>(options_.capture_bytes, KSIGHT_HTTP_MAX_CAPTURE);
    skel_->rodata->self_tgid = static_cast<uint32_t>(getpid());
    auto comms = comm_filter_words(options_.comms);
    for (size_t i = 0; i < comms.size(); ++i) {
      skel_->rodata->comm_filter[i][0] = comms[i][0];
      skel_->rodata->comm_filter[i][1] = comms[i][1];
    }
    skel_->rodata->comm_filter_count = static_cast<uint32_t>(comms.size());
    if (!options_.comms.empty()) {
      std::string names;
      for (const auto& c : options_.comms) names += (names.empty() ? "" : ", ") + c;
      spdlog::info("http: capturing only processes named {}", names);
    }
    bpf_map__set_max_entries(skel_->maps.events,
                             std::max<uint32_t>(ctx_.ring_buffer_bytes, 16u << 20));
    choose_hooks();
    if (int err = http_bpf__load(skel_)) {
      stop();
      throw CapabilityError(std::string("http: BPF load failed: ") + strerror(-err));
    }
    if (int err = http_bpf__attach(skel_)) {
      stop();
      throw CapabilityError(std::string("http: attach ") + hooks_name() +
                            " tracepoints failed: " + strerror(-err));
    }
    ring_ =
        ring_buffer__new(bpf_map__fd(skel_->maps.events), &HttpSource::on_record, this, nullptr);
    if (!ring_) {
      stop();
      throw CapabilityError("http: cannot create ring buffer consumer");
    }
    if (options_.tap) {
      options_.tap->tracker = &pipeline_->tracker();
      options_.tap->emit = [this](otel::Span&& s) { on_span(std::move(s)); };
    }
  }

  void stop() override {
    if (options_.tap) *options_.tap = {};
    if (ring_) {
      ring_buffer__consume(ring_);
      ring_buffer__free(ring_);
    }
    ring_ = nullptr;
    if (skel_) http_bpf__destroy(skel_);
    skel_ = nullptr;
    exporter_thread_.reset();  // flushes what is queued
  }

  int poll_fd() const override { return ring_ ? ring_buffer__epoll_fd(ring_) : -1; }
  int consume() override { return ring_ ? ring_buffer__consume(ring_) : 0; }

  void collect() override {
    if (!skel_) return;
    consume();  // records below the wakeup threshold
    auto c = sum_percpu_u64_array(bpf_map__fd(skel_->maps.counters), KSIGHT_HTTP_COUNTER_MAX);
    counters_.events.set_total({name()}, static_cast<double>(received_));
    kernel_.set_total({"skipped"}, static_cast<double>(c[KSIGHT_HTTP_SKIPPED]));
    kernel_.set_total({"truncated"}, static_cast<double>(truncated_));
    kernel_.set_total({"lost_task_storage"}, static_cast<double>(c[KSIGHT_HTTP_LOST_ACTIVE]));
    kernel_.set_total({"untracked_call"}, static_cast<double>(c[KSIGHT_HTTP_UNTRACKED_CALL]));
    counters_.lost.set_total(
        {name()}, static_cast<double>(c[KSIGHT_HTTP_LOST_RINGBUF] + c[KSIGHT_HTTP_LOST_ACTIVE]));
    pipeline_->collect(boot_now_ns());
  }

  void forget(const std::vector<uint32_t>& pids) override {
    for (uint32_t pid : pids) pipeline_->forget(pid);
  }

 private:
  static int on_record(void* self, void* data, size_t size) {
    auto* source = static_cast<HttpSource*>(self);
    auto p = decode_http_payload({static_cast<const uint8_t*>(data), size});
    if (!p) {
      source->counters_.decode_errors.inc({"http"});
      return 0;
    }
    ++source->received_;
    if (p->total > p->captured.size()) ++source->truncated_;
    source->pipeline_->on_payload(*p);
    return 0;
  }

  // One of the two hook sets of bpf/http.bpf.c is loaded (the other's
  // programs are not, and its classification map shrinks to one entry).
  void choose_hooks() {
    FeatureStatus sock = kernel_features().status(Feature::kSockMsgTracepoints);
    if (options_.hooks == HttpHooks::kSock && !sock.available)
      throw CapabilityError("http: sock:sock_{recv,send}_length unavailable: " + sock.detail);
    sock_hooks_ = options_.hooks == HttpHooks::kSock ||
                  (options_.hooks == HttpHooks::kAuto && sock.available);
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel_->obj) {
      bool is_sock = prog == skel_->progs.sock_recv || prog == skel_->progs.sock_send;
      bpf_program__set_autoload(prog, is_sock == sock_hooks_);
    }
    if (sock_hooks_) {
      bpf_map__set_max_entries(skel_->maps.conns, 1);
      spdlog::info("http: capturing at sock:sock_recv_length/sock_send_length (tp_btf)");
    } else if (options_.hooks == HttpHooks::kAuto) {
      spdlog::info("http: capturing at the syscalls tracepoints (sock:sock_*_length: {})",
                   sock.detail);
    }
  }
  const char* hooks_name() const { return sock_hooks_ ? "sock" : "syscalls"; }

  void start_exporter() {
    exporter_ = std::make_unique<otel::BatchExporter>(
        otel::make_transport(options_.otlp_protocol, options_.otlp), clock_, ctx_.registry,
        options_.exporter);
    exporter_thread_ = std::make_unique<otel::ExporterThread>(*exporter_);
    pipeline_->set_pending_sink(
        [this](otel::PendingHttpSpan&& p) { exporter_->add(std::move(p)); });
    spdlog::info("http: exporting spans to {} ({}{})", options_.otlp.endpoint,
                 options_.otlp_protocol, otel::uses_tls(options_.otlp) ? ", TLS" : "");
  }

  // Spans of other sources through the tap (function spans): built already.
  void on_span(otel::Span&& span) {
    if (options_.on_span) options_.on_span(span);
    if (exporter_) exporter_->add(std::move(span));
  }

  otel::ProcessIdentity identity(uint32_t pid, const std::string& comm) {
    return process_identity(ctx_.processes, options_.service_names, pid, comm);
  }

  SourceContext& ctx_;
  HttpSourceOptions options_;
  SourceCounters counters_;
  metrics::Counter& kernel_;
  otel::SteadyClock clock_;
  std::unique_ptr<otel::BatchExporter> exporter_;
  std::unique_ptr<otel::ExporterThread> exporter_thread_;
  std::unique_ptr<otel::HttpPipeline> pipeline_;
  http_bpf* skel_ = nullptr;
  ring_buffer* ring_ = nullptr;
  bool sock_hooks_ = false;
  uint64_t received_ = 0;   // records decoded (ksight_events_total)
  uint64_t truncated_ = 0;  // of those, payloads longer than their capture
};

}  // namespace

std::optional<otel::Payload> decode_http_payload(std::span<const uint8_t> record) {
  ksight_http_payload e;
  if (record.size() < offsetof(ksight_http_payload, data)) return std::nullopt;
  std::memcpy(&e, record.data(), offsetof(ksight_http_payload, data));
  if (e.header.type != KSIGHT_EVENT_HTTP_PAYLOAD || e.captured > KSIGHT_HTTP_MAX_CAPTURE ||
      record.size() < offsetof(ksight_http_payload, data) + e.captured || e.total == 0) {
    return std::nullopt;
  }
  otel::Payload p;
  p.pid = e.header.pid;
  p.tid = e.header.tid;
  p.fd = e.fd;
  p.sock = e.sock;
  p.direction =
      e.direction == KSIGHT_HTTP_EGRESS ? otel::Direction::kEgress : otel::Direction::kIngress;
  p.ts_ns = e.header.timestamp_ns;
  p.total = e.total;
  p.captured = record.subspan(offsetof(ksight_http_payload, data), e.captured);
  // Addresses stay binary: the tracker makes text once per connection.
  // For IPv4 the kernel side writes 4 of the 16 bytes and the rest is
  // whatever the ring buffer held: copying it made every record's address
  // look new to the tracker, which then formatted it again per payload.
  p.local.family = p.peer.family = e.family;
  size_t address_bytes = e.family == AF_INET ? 4 : sizeof e.laddr;
  std::memcpy(p.local.bytes.data(), e.laddr, address_bytes);
  std::memcpy(p.peer.bytes.data(), e.raddr, address_bytes);
  p.local.port = e.lport;
  p.peer.port = e.rport;
  auto* rec = reinterpret_cast<const ksight_http_payload*>(record.data());
  p.comm = std::string_view(rec->header.comm, strnlen(rec->header.comm, sizeof rec->header.comm));
  return p;
}

otel::ProcessIdentity process_identity(ProcessTable& processes,
                                       const std::map<std::string, std::string>& service_names,
                                       uint32_t pid, const std::string& comm) {
  otel::ProcessIdentity id;
  id.pid = pid;
  id.comm = comm;
  if (auto info = processes.lookup(pid)) {
    id.executable = basename_of(info->exe);
    id.container_id = info->container.id;
    id.pod_uid = info->container.pod_uid;
  }
  id.service_name = service_name_for(service_names, id.container_id, id.executable, comm);
  return id;
}

std::vector<std::array<uint64_t, 2>> comm_filter_words(const std::vector<std::string>& comms) {
  if (comms.size() > KSIGHT_HTTP_MAX_COMMS) {
    throw Error("http: at most " + std::to_string(KSIGHT_HTTP_MAX_COMMS) +
                " process names can be selected, got " + std::to_string(comms.size()));
  }
  std::vector<std::array<uint64_t, 2>> words;
  for (const auto& name : comms) {
    if (name.empty()) throw Error("http: an empty process name cannot be selected");
    char padded[KSIGHT_HTTP_COMM_LEN] = {};
    std::memcpy(padded, name.data(), std::min<size_t>(name.size(), KSIGHT_HTTP_COMM_LEN - 1));
    std::array<uint64_t, 2> w{};
    std::memcpy(w.data(), padded, sizeof padded);
    words.push_back(w);
  }
  return words;
}

std::string service_name_for(const std::map<std::string, std::string>& names,
                             const std::string& container_id, const std::string& exe,
                             const std::string& comm) {
  if (!container_id.empty()) {
    if (auto it = names.find(container_id); it != names.end()) return it->second;
    if (auto it = names.find(container_id.substr(0, 12)); it != names.end()) return it->second;
  }
  if (auto it = names.find(exe); !exe.empty() && it != names.end()) return it->second;
  if (auto it = names.find(comm); it != names.end()) return it->second;
  return {};
}

std::unique_ptr<EventSource> make_http_source(SourceContext& context, HttpSourceOptions options) {
  return std::make_unique<HttpSource>(context, std::move(options));
}

}  // namespace ksight::agent
