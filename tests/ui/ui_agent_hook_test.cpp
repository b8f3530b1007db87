// The UI mounted on the agent's own HTTP server through
// HttpServer::add_routes: "/" becomes the page, the APIs answer next to
// /metrics, and the agent's endpoints keep working.
#include <gtest/gtest.h>
#include <httplib.h>

#include "agent/http_server.h"
#include "ui/profile_ui.h"
#include "ui/ui_fixture.h"

namespace ksight::ui {
namespace {

TEST(UiAgentHookTest, PageAndApisOnTheAgentListener) {
  metrics::Registry registry;
  agent::HealthState health;
  agent::HttpServer server(registry, health);
  store::Store store;
  testing::fill_fixture_store(store);
  ProfileUi ui(store);
  server.add_routes([&](httplib::Server& s) { ui.install(s); },
                    [&](const httplib::Request& q, httplib::Response& r) { ui.serve_index(q, r); });
  server.start("127.0.0.1:0");
  httplib::Client client("127.0.0.1", server.port());
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<canvas id=\"flame\""), std::string::npos);
  auto labels = client.Get("/api/v1/labels");
  ASSERT_TRUE(labels);
  EXPECT_NE(labels->body.find("\"db\""), std::string::npos);
  EXPECT_EQ(client.Get("/metrics")->status, 200);
  server.stop();
}

TEST(UiAgentHookTest, WithoutUiTheIndexListsEndpoints) {
  metrics::Registry registry;
  agent::HealthState health;
  agent::HttpServer server(registry, health);
  server.start("127.0.0.1:0");
  httplib::Client client("127.0.0.1", server.port());
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("/metrics"), std::string::npos);
  server.stop();
}

}  // namespace
}  // namespace ksight::ui
