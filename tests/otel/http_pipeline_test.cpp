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
  p.local = {"127.0.0.1", 8080};
  p.peer = {"127.0.0.1", 50000};
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
  EXPECT_EQ(registry.counter("http_requests_total", "", {"method", "path", "status", "service"})
                .value(labels),
            1);
  auto& h = registry.histogram("http_request_duration_seconds", "",
                               {"method", "path", "status", "service"}, kDefaultDurationBuckets);
  EXPECT_EQ(h.count(labels), 1u);
  std::string text = registry.render();
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{method=\"GET\",path=\"/items/{id}\","
                      "status=\"500\",service=\"nginx\",le=\"0.05\"} 1"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace ksight::otel
