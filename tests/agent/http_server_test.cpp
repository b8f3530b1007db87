#include "agent/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "common/error.h"

namespace ksight::agent {
namespace {

class FakeProvider : public ProfileProvider {
 public:
  std::chrono::seconds asked{0};
  profile::Profile cpu_profile(std::chrono::seconds duration) override {
    asked = duration;
    profile::Profile p;
    p.duration_nanos = std::chrono::nanoseconds(duration).count();
    return p;
  }
};

struct HttpTest : ::testing::Test {
  metrics::Registry registry;
  HealthState health;
  HttpServer server{registry, health};
  std::unique_ptr<httplib::Client> client;

  void SetUp() override {
    registry.counter("demo_total", "Demo.").inc({}, 3);
    server.start("127.0.0.1:0");
    client = std::make_unique<httplib::Client>("127.0.0.1", server.port());
  }
};

TEST_F(HttpTest, MetricsServesTextFormat) {
  auto res = client->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res->body.find("demo_total 3\n"), std::string::npos);
}

TEST_F(HttpTest, HealthAndReadinessFollowTheAgent) {
  EXPECT_EQ(client->Get("/healthz")->status, 503);  // no loop heartbeat yet
  EXPECT_EQ(client->Get("/readyz")->status, 503);
  health.heartbeat_ns =
      std::chrono::nanoseconds(std::chrono::steady_clock::now().time_since_epoch()).count();
  health.ready = true;
  health.detail = [] { return std::string("sources.syscalls: attached\n"); };
  EXPECT_EQ(client->Get("/healthz")->status, 200);
  auto ready = client->Get("/readyz");
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, "ready\nsources.syscalls: attached\n");
}

TEST_F(HttpTest, PprofWithoutProviderIs503WithReason) {
  auto res = client->Get("/debug/pprof/profile?seconds=1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_NE(res->body.find("CPU profiling is not available"), std::string::npos);
}

TEST_F(HttpTest, PprofUsesProviderAndSerializer) {
  FakeProvider provider;
  server.set_profile_provider(&provider, [](const profile::Profile& p) {
    return "pprof:" + std::to_string(p.duration_nanos);
  });
  auto res = client->Get("/debug/pprof/profile?seconds=7");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "pprof:7000000000");
  EXPECT_EQ(provider.asked, std::chrono::seconds(7));
  EXPECT_EQ(client->Get("/debug/pprof/profile?seconds=abc")->status, 400);
  EXPECT_EQ(client->Get("/debug/pprof/profile?seconds=0")->status, 400);
  EXPECT_EQ(client->Get("/debug/pprof/profile?seconds=301")->status, 400);
}

TEST_F(HttpTest, RequestsAreCounted) {
  client->Get("/metrics");
  client->Get("/nope");
  auto& c = registry.counter("ksight_http_requests_total", "", {"path", "code"});
  // The server logs a request after it has sent the response: wait for it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((c.value({"other", "404"}) < 1 || c.value({"/metrics", "200"}) < 1) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_GE(c.value({"/metrics", "200"}), 1) << registry.render();
  EXPECT_EQ(c.value({"other", "404"}), 1);
}

TEST_F(HttpTest, PortInUseIsAClearError) {
  HealthState other_health;
  HttpServer other(registry, other_health);
  try {
    other.start("127.0.0.1:" + std::to_string(server.port()));
    FAIL() << "second bind succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--listen"), std::string::npos);
  }
}

}  // namespace
}  // namespace ksight::agent
