// The agent's user-space cost per HTTP request (issue 7), without a kernel:
// the four ring-buffer records one keep-alive request makes on loopback, as
// bpf/http.bpf.c writes them (client write, server read, server writev,
// client read; wrk against nginx, 32 connections), through
// decode_http_payload and otel::HttpPipeline.
//   BM_MetricsOnly   `--http`: parse, pair, RED metrics; no span is built
//   BM_SpansPending  spans wanted: every exchange sampled and queued unbuilt
//                    (what the ring-buffer thread does with an exporter)
//   BM_SpansBuiltAndEncoded  the exporter thread's share: build the queued
//                    spans and encode 512-span OTLP requests (no transport)
//   BM_SpansBuiltAndWireSerialized  the same, serialised by export/otlp/otlp_wire.h
//                    as the transports do (no protobuf objects)
//   BM_SpansThroughExporter  both threads' work on one thread: every span
//                    queued in the real BatchExporter, each full batch built,
//                    encoded and serialized by a transport that stops there
// Items are requests; `ns per request` = 1e9 / items_per_second. Compare
// with bench/http_overhead.sh's agent CPU per 1,000 requests.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "agent/http_source.h"
#include "export/otlp/exporter.h"
#include "export/otlp/otlp_encode.h"
#include "export/otlp/otlp_wire.h"
#include "http.h"
#include "metrics/registry.h"
#include "otel/http_pipeline.h"

namespace {

using namespace ksight;

constexpr int kConnections = 32;
constexpr uint16_t kServerPort = 8080;

const std::string kRequest = "GET /api/items/42 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
const std::string kResponse =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 07 Dec 2026 01:00:00 GMT\r\n"
    "Content-Type: application/octet-stream\r\nContent-Length: 3\r\nConnection: keep-alive\r\n"
    "\r\nok\n";

std::vector<uint8_t> record(uint32_t pid, const char* comm, int fd, uint16_t lport, uint16_t rport,
                            uint8_t direction, const std::string& data) {
  ksight_http_payload e{};
  e.header.type = KSIGHT_EVENT_HTTP_PAYLOAD;
  e.header.pid = pid;
  e.header.tid = pid;
  std::strncpy(e.header.comm, comm, sizeof e.header.comm - 1);
  e.sock = 0xffff888000000000ull + uint64_t(pid) * 4096 + uint64_t(fd);
  e.total = data.size();
  e.fd = fd;
  e.captured = static_cast<uint32_t>(data.size());
  e.direction = direction;
  e.family = 2;
  e.lport = lport;
  e.rport = rport;
  const uint8_t loopback[4] = {127, 0, 0, 1};
  std::memcpy(e.laddr, loopback, 4);
  std::memcpy(e.raddr, loopback, 4);
  std::memcpy(e.data, data.data(), data.size());
  size_t size = offsetof(ksight_http_payload, data) + data.size();
  e.header.size = static_cast<uint32_t>(size);
  std::vector<uint8_t> out(size);
  std::memcpy(out.data(), &e, size);
  return out;
}

// The four records of one request on connection c (wrk pid 200, nginx 100).
std::vector<std::vector<uint8_t>> request_records(int c) {
  uint16_t client_port = static_cast<uint16_t>(40000 + c);
  return {record(200, "wrk", 10 + c, client_port, kServerPort, KSIGHT_HTTP_EGRESS, kRequest),
          record(100, "nginx", 10 + c, kServerPort, client_port, KSIGHT_HTTP_INGRESS, kRequest),
          record(100, "nginx", 10 + c, kServerPort, client_port, KSIGHT_HTTP_EGRESS, kResponse),
          record(200, "wrk", 10 + c, client_port, kServerPort, KSIGHT_HTTP_INGRESS, kResponse)};
}

struct Fixture {
  explicit Fixture(bool spans) {
    otel::HttpPipelineOptions po;
    po.host_name = "bench";
    po.id_seed = 1;
    pipeline = std::make_unique<otel::HttpPipeline>(
        registry, po,
        [](uint32_t pid, const std::string& comm) {
          otel::ProcessIdentity id;
          id.pid = pid;
          id.comm = comm;
          return id;
        },
        nullptr);
    if (spans) {
      pipeline->set_pending_sink([this](otel::PendingHttpSpan&& p) {
        if (pending.size() < 4096) pending.push_back(std::move(p));
      });
    }
    for (int c = 0; c < kConnections; ++c) connections.push_back(request_records(c));
  }

  // One request on connection c, through decode and the pipeline; the
  // timestamps advance so durations and ordering look real.
  void request(int c) {
    for (auto& r : connections[c]) {
      auto* e = reinterpret_cast<ksight_http_payload*>(r.data());
      e->header.timestamp_ns = (now += 5000);
      auto p = agent::decode_http_payload(r);
      pipeline->on_payload(*p);
    }
  }

  metrics::Registry registry;
  std::unique_ptr<otel::HttpPipeline> pipeline;
  std::vector<std::vector<std::vector<uint8_t>>> connections;
  std::vector<otel::PendingHttpSpan> pending;
  uint64_t now = 1'000'000'000;
};

void run_requests(benchmark::State& state, bool spans) {
  Fixture f(spans);
  int c = 0;
  for (auto _ : state) {
    f.request(c);
    c = (c + 1) % kConnections;
    if (f.pending.size() >= 4096) f.pending.clear();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_MetricsOnly(benchmark::State& state) {
  run_requests(state, false);
}
void BM_SpansPending(benchmark::State& state) {
  run_requests(state, true);
}

// Per request (two spans: SERVER and CLIENT), building and encoding in
// 512-span batches as the exporter thread does.
void BM_SpansBuiltAndEncoded(benchmark::State& state) {
  Fixture f(true);
  for (int i = 0; i < 256; ++i) f.request(i % kConnections);
  std::vector<otel::Span> batch;
  for (auto _ : state) {
    batch.clear();
    for (const auto& p : f.pending) batch.push_back(p.build());
    google::protobuf::Arena arena;
    auto* request = otel::encode_spans(batch, arena);
    std::string bytes;
    request->SerializeToString(&bytes);
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() * int64_t(f.pending.size()) / 2);
}

// The same spans serialised straight to the wire form (export/otlp/otlp_wire.h),
// what the transports send.
void BM_SpansBuiltAndWireSerialized(benchmark::State& state) {
  Fixture f(true);
  for (int i = 0; i < 256; ++i) f.request(i % kConnections);
  std::vector<otel::Span> batch;
  for (auto _ : state) {
    batch.clear();
    for (const auto& p : f.pending) batch.push_back(p.build());
    std::string bytes = otel::serialize_export_request(batch);
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations() * int64_t(f.pending.size()) / 2);
}

// A transport doing what GrpcTransport does before the wire.
class SerializingTransport : public otel::Transport {
 public:
  const char* name() const override { return "bench"; }
  otel::ExportResult export_spans(const std::vector<otel::Span>& spans) override {
    bytes_ = otel::serialize_export_request(spans);
    benchmark::DoNotOptimize(bytes_);
    return {true, false, {}};
  }

 private:
  std::string bytes_;
};

void BM_SpansThroughExporter(benchmark::State& state) {
  Fixture f(false);
  otel::SteadyClock clock;
  otel::BatchExporter exporter(std::make_unique<SerializingTransport>(), clock, f.registry);
  f.pipeline->set_pending_sink([&](otel::PendingHttpSpan&& p) { exporter.add(std::move(p)); });
  int c = 0;
  for (auto _ : state) {
    f.request(c);
    c = (c + 1) % kConnections;
    if (exporter.queued() >= 512) exporter.tick();
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_MetricsOnly);
BENCHMARK(BM_SpansPending);
BENCHMARK(BM_SpansBuiltAndEncoded);
BENCHMARK(BM_SpansBuiltAndWireSerialized);
BENCHMARK(BM_SpansThroughExporter);

}  // namespace

BENCHMARK_MAIN();
