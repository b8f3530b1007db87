#include "agent/net_source.h"

#include <bpf/libbpf.h>

#include <cstring>

#include "agent/bpf_maps.h"
#include "common/error.h"
#include "common/log.h"
#include "net.h"
#include "net.skel.h"

#include <spdlog/spdlog.h>

namespace ksight::agent {

namespace {

bool kernel_has_tracepoint(const char* name) {
  return libbpf_find_vmlinux_btf_id(name, BPF_TRACE_RAW_TP) > 0;
}

class NetSource : public EventSource {
 public:
  NetSource(SourceContext& ctx, NetSourceOptions options)
      : ctx_(ctx),
        handler_(ctx.registry, std::move(options)),
        counters_(ctx.registry),
        retransmits_(ctx.registry.counter("ksight_tcp_retransmits_total",
                                          "TCP segments retransmitted (tcp:tcp_retransmit_skb).")),
        resets_(ctx.registry.counter("ksight_tcp_resets_total", "TCP resets sent and received.",
                                     {"direction"})),
        bytes_(ctx.registry.counter("ksight_tcp_socket_bytes_total",
                                    "Bytes passed through TCP socket send/recv calls "
                                    "(sock:sock_send_length, sock:sock_recv_length).",
                                    {"direction"})) {}
  ~NetSource() override { stop(); }

  const char* name() const override { return "net"; }

  void start() override {
    skel_ = net_bpf__open();
    if (!skel_) throw CapabilityError("net: cannot open BPF object");
    bpf_map__set_max_entries(skel_->maps.events, ctx_.ring_buffer_bytes);
    // sock_{send,recv}_length appeared in Linux 6.4: optional.
    for (auto* prog : {skel_->progs.sock_send_length, skel_->progs.sock_recv_length}) {
      const char* tp =
          prog == skel_->progs.sock_send_length ? "sock_send_length" : "sock_recv_length";
      if (!kernel_has_tracepoint(tp)) {
        spdlog::info("net: tracepoint sock:{} missing, socket byte counters off", tp);
        bpf_program__set_autoload(prog, false);
      }
    }
    if (int err = net_bpf__load(skel_)) {
      stop();
      throw CapabilityError(std::string("net: BPF load failed: ") + strerror(-err));
    }
    if (int err = net_bpf__attach(skel_)) {
      stop();
      throw CapabilityError(std::string("net: attach sock/tcp tracepoints failed: ") +
                            strerror(-err));
    }
    ring_ = ring_buffer__new(bpf_map__fd(skel_->maps.events), &NetSource::on_record, this, nullptr);
    if (!ring_) {
      stop();
      throw CapabilityError("net: cannot create ring buffer consumer");
    }
  }

  void stop() override {
    if (ring_) ring_buffer__free(ring_);
    ring_ = nullptr;
    if (skel_) net_bpf__destroy(skel_);
    skel_ = nullptr;
  }

  int poll_fd() const override { return ring_ ? ring_buffer__epoll_fd(ring_) : -1; }
  int consume() override { return ring_ ? ring_buffer__consume(ring_) : 0; }

  void collect() override {
    if (!skel_) return;
    auto c = sum_percpu_u64_array(bpf_map__fd(skel_->maps.counters), KSIGHT_NET_COUNTER_MAX);
    retransmits_.set_total({}, static_cast<double>(c[KSIGHT_NET_RETRANSMITS]));
    resets_.set_total({"sent"}, static_cast<double>(c[KSIGHT_NET_SEND_RESETS]));
    resets_.set_total({"received"}, static_cast<double>(c[KSIGHT_NET_RECEIVE_RESETS]));
    bytes_.set_total({"sent"}, static_cast<double>(c[KSIGHT_NET_SEND_BYTES]));
    bytes_.set_total({"received"}, static_cast<double>(c[KSIGHT_NET_RECV_BYTES]));
    counters_.lost.set_total(
        {name()}, static_cast<double>(c[KSIGHT_NET_LOST_RINGBUF] + c[KSIGHT_NET_LOST_SOCKS_FULL]));
  }

 private:
  static int on_record(void* self, void* data, size_t size) {
    static_cast<NetSource*>(self)->handler_.handle({static_cast<const uint8_t*>(data), size});
    return 0;
  }

  SourceContext& ctx_;
  TcpRecordHandler handler_;
  SourceCounters counters_;
  metrics::Counter& retransmits_;
  metrics::Counter& resets_;
  metrics::Counter& bytes_;
  net_bpf* skel_ = nullptr;
  ring_buffer* ring_ = nullptr;
};

}  // namespace

TcpRecordHandler::TcpRecordHandler(metrics::Registry& registry, NetSourceOptions options)
    : options_(std::move(options)),
      counters_(registry),
      connections_(registry.counter("ksight_tcp_connections_total",
                                    "TCP connections by direction (outbound: connect, inbound: "
                                    "accepted) and result (success, failed).",
                                    {"direction", "result"})),
      connect_latency_(registry.histogram("ksight_tcp_connect_duration_seconds",
                                          "Outbound TCP handshake time, SYN sent to ESTABLISHED.",
                                          {}, metrics::exponential_buckets(50e-6, 4, 10))),
      lifetime_(registry.histogram("ksight_tcp_connection_duration_seconds",
                                   "Lifetime of closed TCP connections.", {"direction"},
                                   metrics::exponential_buckets(1e-3, 4, 12))),
      closed_bytes_(registry.counter("ksight_tcp_closed_connection_bytes_total",
                                     "Bytes carried by TCP connections, counted when they "
                                     "close (tcp_sock bytes_acked / bytes_received).",
                                     {"direction"})) {}

bool TcpRecordHandler::handle(std::span<const uint8_t> record) {
  auto e = decode_tcp_event(record);
  if (!e) {
    counters_.decode_errors.inc({"net"});
    return false;
  }
  counters_.events.inc({"net"});
  const char* direction = e->inbound ? "inbound" : "outbound";
  switch (e->type) {
    case TcpEventType::kConnect:
      connections_.inc({"outbound", e->failed ? "failed" : "success"});
      if (!e->failed && e->duration_ns) connect_latency_.observe({}, e->duration_ns / 1e9);
      break;
    case TcpEventType::kAccept:
      connections_.inc({"inbound", "success"});
      break;
    case TcpEventType::kClose:
      lifetime_.observe({direction}, e->duration_ns / 1e9);
      closed_bytes_.inc({"sent"}, static_cast<double>(e->bytes_sent));
      closed_bytes_.inc({"received"}, static_cast<double>(e->bytes_received));
      break;
  }
  if (options_.on_event) options_.on_event(*e);
  return true;
}

std::unique_ptr<EventSource> make_net_source(SourceContext& context, NetSourceOptions options) {
  return std::make_unique<NetSource>(context, std::move(options));
}

}  // namespace ksight::agent
