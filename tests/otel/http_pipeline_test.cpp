// Payloads → spans and RED metrics, end to end above the ring buffer.
#include "otel/http_pipeline.h"

#include <gtest/gtest.h>

namespace ksight::otel {
namespace {

Payload payload(Direction d, const std::string& s, uint64_t ts) {
  Payload p;
  p.pid = 100;
  p.tid = 100;
  p.fd = 3;
  p.sock = 9;
  p.direction = d;
  p.ts_ns = ts;
  p.total = s.size();
  p.captured = {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  p.local = socket_address("127.0.0.1", 8080);
  p.peer = socket_address("127.0.0.1", 50000);
  p.comm = "nginx";
  return p;
}

TEST(HttpPipeline, SpansAndRedMetrics) {
  metrics::Registry registry;
  std::vector<Span> spans;
  HttpPipeline pipeline(
      registry, {.host_name = "node-1", .id_seed = 3},
      [](uint32_t pid, const std::string& comm) {
        return ProcessIdentity{.pid = pid, .comm = comm, .container_id = "c0ffee"};
      },
      [&](Span&& s) { spans.push_back(std::move(s)); });
  std::string req = "GET /items/17 HTTP/1.1\r\nHost: shop\r\n\r\n";
  std::string resp = "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n";
  pipeline.on_payload(payload(Direction::kIngress, req, 1'000'000'000));
  pipeline.on_payload(payload(Direction::kEgress, resp, 1'030'000'000));
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].status, StatusCode::kError);
  EXPECT_EQ(std::get<std::string>(spans[0].resource->find("container.id")->value), "c0ffee");
  metrics::LabelValues labels{"GET", "/items/{id}", "500", "nginx"};
  // Requests are aggregated in the pipeline and reach the registry in bulk
  // (at a scrape, a collect, or this flush).
  EXPECT_EQ(registry.counter("http_requests_total", "", {"method", "path", "status", "service"})
                .value(labels),
            0);
  pipeline.flush_metrics();
  EXPECT_EQ(registry.counter("http_requests_total", "", {"method", "path", "status", "service"})
                .value(labels),
            1);
  auto& h = registry.histogram("http_request_duration_seconds", "",
                               {"method", "path", "status", "service"}, kDefaultDurationBuckets);
  EXPECT_EQ(h.count(labels), 1u);
  // A scrape flushes by itself: one more request, then render alone.
  pipeline.on_payload(payload(Direction::kIngress, req, 2'000'000'000));
  pipeline.on_payload(payload(Direction::kEgress, resp, 2'060'000'000));  // over 0.05
  std::string text = registry.render();
  EXPECT_NE(text.find("http_requests_total{method=\"GET\",path=\"/items/{id}\",status=\"500\","
                      "service=\"nginx\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{method=\"GET\",path=\"/items/{id}\","
                      "status=\"500\",service=\"nginx\",le=\"0.05\"} 1"),
            std::string::npos)
      << text;
}

// Extension methods share one "_OTHER" label value: a client sending made-up
// methods cannot grow the series.
TEST(HttpPipeline, ExtensionMethodsCountAsOther) {
  metrics::Registry registry;
  HttpPipeline pipeline(
      registry, {.host_name = "node-1", .id_seed = 3},
      [](uint32_t pid, const std::string& comm) {
        return ProcessIdentity{.pid = pid, .comm = comm};
      },
      nullptr);
  uint64_t ts = 1'000'000'000;
  for (std::string method : {"PROPFIND", "MKCOL", "X-MADE-UP"}) {
    std::string req = method + " /dav/ HTTP/1.1\r\nHost: files\r\n\r\n";
    std::string resp = "HTTP/1.1 207 Multi-Status\r\nContent-Length: 0\r\n\r\n";
    pipeline.on_payload(payload(Direction::kIngress, req, ts += 1000));
    pipeline.on_payload(payload(Direction::kEgress, resp, ts += 1000));
  }
  pipeline.flush_metrics();
  auto& requests =
      registry.counter("http_requests_total", "", {"method", "path", "status", "service"});
  EXPECT_EQ(requests.value({"_OTHER", "/dav/", "207", "nginx"}), 3);
  EXPECT_EQ(requests.value({"PROPFIND", "/dav/", "207", "nginx"}), 0);
}

// A proxy serves a request and forwards it upstream: the same method, path,
// status and service on both sides. The four labels make that one series
// counted twice; the kind label makes it two.
TEST(HttpPipeline, KindLabelSeparatesServedAndForwardedRequests) {
  std::string req = "GET /api HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  auto upstream = [](Payload p) {
    p.fd = 4;
    p.sock = 10;
    p.local = socket_address("10.0.0.1", 41000);
    p.peer = socket_address("10.0.0.2", 80);
    return p;
  };
  for (bool kind_label : {false, true}) {
    metrics::Registry registry;
    HttpPipelineOptions o;
    o.metrics_kind_label = kind_label;
    HttpPipeline pipeline(registry, o, nullptr, nullptr);
    pipeline.on_payload(payload(Direction::kIngress, req, 1000));
    pipeline.on_payload(upstream(payload(Direction::kEgress, req, 1100)));
    pipeline.on_payload(upstream(payload(Direction::kIngress, resp, 1200)));
    pipeline.on_payload(payload(Direction::kEgress, resp, 1300));
    std::string text = registry.render();
    std::string series =
        "http_requests_total{method=\"GET\",path=\"/api\",status=\"200\","
        "service=\"nginx\"";
    if (kind_label) {
      EXPECT_NE(text.find(series + ",kind=\"server\"} 1"), std::string::npos) << text;
      EXPECT_NE(text.find(series + ",kind=\"client\"} 1"), std::string::npos) << text;
    } else {
      EXPECT_NE(text.find(series + "} 2"), std::string::npos) << text;
      EXPECT_EQ(text.find("kind="), std::string::npos) << text;
    }
  }
}

}  // namespace
}  // namespace ksight::otel

namespace ksight::otel {
namespace {

struct SampledPipeline {
  explicit SampledPipeline(double ratio) {
    HttpPipelineOptions o;
    o.id_seed = 7;
    o.span_sample_ratio = ratio;
    pipeline = std::make_unique<HttpPipeline>(registry, o, nullptr,
                                              [this](Span&& s) { spans.push_back(std::move(s)); });
  }
  void exchange(const std::string& headers, uint64_t ts) {
    std::string req = "GET /a HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
    pipeline->on_payload(payload(Direction::kIngress, req, ts));
    pipeline->on_payload(
        payload(Direction::kEgress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", ts + 1000));
  }
  double requests() {
    pipeline->flush_metrics();
    return registry.counter("http_requests_total", "", {"method", "path", "status", "service"})
        .value({"GET", "/a", "200", "nginx"});
  }
  double sampled_out() {
    pipeline->collect(0);
    return registry.counter("ksight_spans_sampled_out_total", "").value({});
  }
  metrics::Registry registry;
  std::vector<Span> spans;
  std::unique_ptr<HttpPipeline> pipeline;
};

const std::string kTraceparent =
    "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-";

TEST(HttpPipelineSampling, RatioZeroCountsEveryRequestButBuildsNoSpan) {
  SampledPipeline p(0.0);
  for (int i = 0; i < 10; ++i) p.exchange("", 1'000'000 * (i + 1));
  EXPECT_TRUE(p.spans.empty());
  EXPECT_EQ(p.requests(), 10);
  EXPECT_EQ(p.sampled_out(), 10);
}

TEST(HttpPipelineSampling, SampledTraceparentWinsOverTheRatio) {
  SampledPipeline p(0.0);
  p.exchange(kTraceparent + "01\r\n", 1'000'000);
  ASSERT_EQ(p.spans.size(), 1u);
  EXPECT_EQ(to_hex(p.spans[0].trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(p.sampled_out(), 0);
}

TEST(HttpPipelineSampling, UnsampledTraceparentIsNotExportedAtRatioOne) {
  SampledPipeline p(1.0);
  p.exchange(kTraceparent + "00\r\n", 1'000'000);
  EXPECT_TRUE(p.spans.empty());
  EXPECT_EQ(p.requests(), 1);
  EXPECT_EQ(p.sampled_out(), 1);
}

TEST(HttpPipelineSampling, RatioKeepsAboutThatShareOfTraces) {
  SampledPipeline p(0.25);
  for (int i = 0; i < 2000; ++i) p.exchange("", 1'000'000 * (i + 1));
  EXPECT_EQ(p.requests(), 2000);
  EXPECT_GT(p.spans.size(), 400u);
  EXPECT_LT(p.spans.size(), 600u);
  EXPECT_EQ(p.spans.size() + p.sampled_out(), 2000u);
}

TEST(HttpPipelineSampling, NoSpanConsumerBuildsNothing) {
  metrics::Registry registry;
  HttpPipeline pipeline(registry, {.id_seed = 1}, nullptr, nullptr);
  pipeline.on_payload(payload(Direction::kIngress, "GET /a HTTP/1.1\r\n\r\n", 1000));
  pipeline.on_payload(payload(Direction::kEgress, "HTTP/1.1 204 No Content\r\n\r\n", 2000));
  pipeline.flush_metrics();
  EXPECT_EQ(registry.counter("http_requests_total", "", {"method", "path", "status", "service"})
                .value({"GET", "/a", "204", "nginx"}),
            1);
  pipeline.collect(0);
  EXPECT_EQ(registry.counter("ksight_spans_sampled_out_total", "").value({}), 0);
}

TEST(HttpPipelineSampling, PendingSinkGetsTheSameSpanUnbuilt) {
  metrics::Registry registry;
  std::vector<Span> built;
  std::vector<PendingHttpSpan> pending;
  HttpPipeline pipeline(registry, {.routes = {"/users/{id}"}, .id_seed = 5}, nullptr,
                        [&](Span&& s) { built.push_back(std::move(s)); });
  pipeline.set_pending_sink([&](PendingHttpSpan&& p) { pending.push_back(std::move(p)); });
  pipeline.on_payload(payload(Direction::kIngress, "GET /users/9 HTTP/1.1\r\n\r\n", 1000));
  pipeline.on_payload(
      payload(Direction::kEgress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 2000));
  ASSERT_EQ(built.size(), 1u);
  ASSERT_EQ(pending.size(), 1u);
  Span later = pending[0].build();
  EXPECT_EQ(later.name, "GET /users/{id}");
  EXPECT_EQ(later.name, built[0].name);
  EXPECT_EQ(later.span_id, built[0].span_id);
  EXPECT_EQ(later.attributes.size(), built[0].attributes.size());
  EXPECT_EQ(std::get<std::string>(later.find("http.route")->value), "/users/{id}");
}

TEST(TraceSampled, DecidedByTheTraceIdAlone) {
  TraceId low{}, high{};
  high.fill(0xff);
  low[15] = 1;
  EXPECT_TRUE(trace_sampled(high, 1.0));
  EXPECT_FALSE(trace_sampled(low, 0.0));
  EXPECT_TRUE(trace_sampled(low, 0.01));
  EXPECT_FALSE(trace_sampled(high, 0.99));
}

}  // namespace
}  // namespace ksight::otel
