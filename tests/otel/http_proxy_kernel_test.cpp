// Kernel + real peers: nginx as a reverse proxy, an event loop serving
// several requests on one thread at once, and the parents of its upstream
// calls (src/otel/http_tracker.h). Root only.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "http_kernel_support.h"

namespace ksight::otel {
namespace {

using namespace std::chrono_literals;
using ksight::testing::Subprocess;
using otel::testing::free_port;
using otel::testing::HttpSpansKernel;
using otel::testing::metric_value;
using otel::testing::Nginx;
using otel::testing::OtlpReceiver;
using otel::testing::ReceivedSpan;

// An upstream that holds every request until `expected` have arrived, so
// that nginx, one event-loop worker, has them all open at once.
class HeldUpstream {
 public:
  explicit HeldUpstream(size_t expected) : expected_(expected) {
    server_.Get(R"(/slow/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      std::unique_lock lock(mu_);
      arrived_.push_back(req.path);
      cv_.notify_all();
      cv_.wait_for(lock, 30s, [this] { return arrived_.size() >= expected_; });
      res.set_content("ok\n", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~HeldUpstream() {
    {
      std::lock_guard lock(mu_);
      expected_ = 0;  // release whatever still waits
    }
    cv_.notify_all();
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  bool wait_arrived(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 30s, [&] { return arrived_.size() >= n; });
  }

 private:
  httplib::Server server_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> arrived_;
  size_t expected_;
  int port_ = 0;
  std::thread thread_;
};

// nginx as a reverse proxy serves three requests at once on its one worker
// thread. Its upstream call for /slow/b joins /slow/b's server span (the
// one open request with that URI); of the two /slow/a calls, the first was
// made while /slow/a alone was open and joins it, the second could belong to
// either open /slow/a and joins neither: no span gets a wrong parent.
TEST_F(HttpSpansKernel, ProxyEventLoopParentsUpstreamCallsOnlyWhenClear) {
  OtlpReceiver receiver(true);
  HeldUpstream upstream(3);
  Nginx nginx(upstream.port());
  int mport = free_port();
  auto agent = start_agent(receiver.endpoint(), mport);
  std::string base = "http://127.0.0.1:" + std::to_string(nginx.port());
  std::vector<std::unique_ptr<Subprocess>> clients;
  for (const char* path : {"/slow/a", "/slow/b", "/slow/a"}) {
    clients.push_back(std::make_unique<Subprocess>(std::vector<std::string>{
        "/usr/bin/curl", "-s", "-o", "/dev/null", "--noproxy", "*", base + path}));
    ASSERT_TRUE(upstream.wait_arrived(clients.size())) << path << " did not reach upstream";
  }
  for (auto& c : clients) EXPECT_EQ(c->wait(30s), 0);

  namespace pb = opentelemetry::proto::trace::v1;
  auto nginx_spans = [](const std::vector<ReceivedSpan>& all, pb::Span::SpanKind kind,
                        const std::string& path) {
    std::vector<ReceivedSpan> out;
    for (const auto& s : all)
      if (s.span.kind() == kind && s.attr("url.path") == path && s.resource.count("service.name") &&
          s.resource.at("service.name") == "nginx")
        out.push_back(s);
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
      return x.span.start_time_unix_nano() < y.span.start_time_unix_nano();
    });
    return out;
  };
  bool all = receiver.wait_for(
      [&](const std::vector<ReceivedSpan>& s) {
        return nginx_spans(s, pb::Span::SPAN_KIND_SERVER, "/slow/a").size() == 2 &&
               nginx_spans(s, pb::Span::SPAN_KIND_SERVER, "/slow/b").size() == 1 &&
               nginx_spans(s, pb::Span::SPAN_KIND_CLIENT, "/slow/a").size() == 2 &&
               nginx_spans(s, pb::Span::SPAN_KIND_CLIENT, "/slow/b").size() == 1;
      },
      30s);
  auto spans = receiver.spans();
  ASSERT_TRUE(all) << "spans received: " << spans.size();
  auto server_a = nginx_spans(spans, pb::Span::SPAN_KIND_SERVER, "/slow/a");
  auto server_b = nginx_spans(spans, pb::Span::SPAN_KIND_SERVER, "/slow/b");
  auto client_a = nginx_spans(spans, pb::Span::SPAN_KIND_CLIENT, "/slow/a");
  auto client_b = nginx_spans(spans, pb::Span::SPAN_KIND_CLIENT, "/slow/b");
  EXPECT_EQ(client_b[0].parent_span_id_hex(), server_b[0].span_id_hex());
  EXPECT_EQ(client_b[0].trace_id_hex(), server_b[0].trace_id_hex());
  EXPECT_EQ(client_a[0].parent_span_id_hex(), server_a[0].span_id_hex());
  EXPECT_EQ(client_a[1].parent_span_id_hex(), "");
  EXPECT_NE(client_a[1].trace_id_hex(), server_a[0].trace_id_hex());
  EXPECT_NE(client_a[1].trace_id_hex(), server_a[1].trace_id_hex());
  const std::string series = "ksight_http_parser_events_total{event=\"ambiguous_parent\"}";
  double ambiguous = -1;
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       ambiguous < 1 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(200ms);  // the agent's collect timer publishes the counters
    ambiguous = metric_value(metrics(mport), series);
  }
  EXPECT_EQ(ambiguous, 1);
}

}  // namespace
}  // namespace ksight::otel
