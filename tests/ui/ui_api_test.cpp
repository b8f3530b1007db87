#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "export/pprof_reader.h"
#include "ui/profile_ui.h"
#include "ui/ui_fixture.h"

namespace ksight::ui {
namespace {

using nlohmann::json;
using testing::kFixtureStart;
using testing::kFixtureWindow;

const json* find_child(const json& node, const std::string& name) {
  if (!node.contains("c")) return nullptr;
  for (const auto& c : node["c"]) {
    if (c["n"] == name) return &c;
  }
  return nullptr;
}

// Follows names from the root; nullptr when the path is missing.
const json* find_path(const json& root, std::vector<std::string> names) {
  const json* node = &root;
  for (const auto& n : names) {
    node = find_child(*node, n);
    if (!node) return nullptr;
  }
  return node;
}

const json* top_row(const json& body, const std::string& name) {
  for (const auto& r : body["top"]) {
    if (r["name"] == name) return &r;
  }
  return nullptr;
}

struct UiApiTest : ::testing::Test {
  store::Store store;
  ProfileUi ui{store};
  httplib::Server server;
  std::thread thread;
  std::unique_ptr<httplib::Client> client;

  void SetUp() override {
    testing::fill_fixture_store(store);
    ui.install(server);
    server.Get("/",
               [this](const httplib::Request& q, httplib::Response& r) { ui.serve_index(q, r); });
    int port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
  }
  void TearDown() override {
    server.stop();
    thread.join();
  }

  json get_json(const std::string& path, int status = 200) {
    auto res = client->Get(path);
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    return json::parse(res->body);
  }
  static std::string range(int from_window, int to_window) {
    return "from=" + std::to_string(kFixtureStart + from_window * kFixtureWindow) +
           "&to=" + std::to_string(kFixtureStart + to_window * kFixtureWindow);
  }
};

TEST_F(UiApiTest, LabelsAndSeries) {
  auto labels = get_json("/api/v1/labels")["labels"];
  EXPECT_EQ(labels["comm"], json({"app", "db"}));
  EXPECT_EQ(labels["container_id"], json({"c-app"}));
  auto series = get_json("/api/v1/series?selector=%7Bcomm%3D%22db%22%7D");
  ASSERT_EQ(series["series"].size(), 1u);
  EXPECT_EQ(series["series"][0]["labels"]["pid"], "200");
  EXPECT_EQ(series["series"][0]["windows"], 12);
  EXPECT_EQ(series["series"][0]["first_ns"], kFixtureStart);
}

TEST_F(UiApiTest, WindowsAreExactDecimalStrings) {
  auto body = get_json("/api/v1/windows?" + range(2, 4));
  ASSERT_EQ(body["windows"].size(), 2u);  // distinct bounds across both series
  EXPECT_EQ(body["windows"][0][0], std::to_string(kFixtureStart + 2 * kFixtureWindow));
  EXPECT_EQ(body["windows"][1][1], std::to_string(kFixtureStart + 4 * kFixtureWindow));
}

TEST_F(UiApiTest, ProfileMergesRangeAndSelector) {
  auto body = get_json("/api/v1/profile?selector=comm%3Dapp&" + range(0, 3));
  EXPECT_EQ(body["value_type"], "samples");
  EXPECT_EQ(body["total"], 30);  // 3 windows × (8 + 2)
  auto* hot = find_path(body["flame"], {"app", "main", "run_loop", "app_hot_function"});
  ASSERT_NE(hot, nullptr) << body["flame"].dump();
  EXPECT_EQ((*hot)["v"], 24);
  EXPECT_EQ((*hot)["k"], "u");
  EXPECT_EQ(find_path(body["flame"], {"db"}), nullptr);
  auto* row = top_row(body, "app_hot_function");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ((*row)["flat"], 24);
  EXPECT_EQ((*row)["cum"], 24);
  auto* loop = top_row(body, "run_loop");
  EXPECT_EQ((*loop)["flat"], 0);
  EXPECT_EQ((*loop)["cum"], 30);
  EXPECT_EQ(body["top"][0]["name"], "app_hot_function");  // sorted by flat
}

TEST_F(UiApiTest, ProfileValueTypeAndUnits) {
  auto body = get_json("/api/v1/profile?type=cpu&selector=comm%3Ddb&" + range(0, 1));
  EXPECT_EQ(body["unit"], "nanoseconds");
  EXPECT_EQ(body["total"], 20 * 10000000);
  EXPECT_EQ(body["sample_types"].size(), 2u);
  auto bad = get_json("/api/v1/profile?type=bogus", 400);
  EXPECT_NE(bad["error"].get<std::string>().find("bogus"), std::string::npos);
}

TEST_F(UiApiTest, EmptyResultIsNotAnError) {
  auto body = get_json("/api/v1/profile?selector=comm%3Dnobody");
  EXPECT_EQ(body["total"], 0);
  EXPECT_TRUE(body["top"].empty());
}

TEST_F(UiApiTest, BadParametersAre400WithReason) {
  auto e1 = get_json("/api/v1/profile?from=abc", 400);
  EXPECT_NE(e1["error"].get<std::string>().find("Unix nanoseconds"), std::string::npos);
  auto e2 = get_json("/api/v1/profile?from=10&to=5", 400);
  EXPECT_NE(e2["error"].get<std::string>().find("must be after"), std::string::npos);
  auto e3 = get_json("/api/v1/profile?selector=%7Bcomm", 400);
  EXPECT_NE(e3["error"].get<std::string>().find("column"), std::string::npos);
}

// A process may name itself with any bytes, and binaries live under any file
// name: the API still answers, with U+FFFD where the bytes are not UTF-8.
TEST_F(UiApiTest, NamesThatAreNotUtf8StillRender) {
  int64_t t = kFixtureStart;
  store.add_window({{"comm", "bad\xff"}, {"pid", "300"}, {"type", "cpu"}},
                   testing::fixture_profile({{{"main", "caf\xe9_loop"}, 7}}, "bad\xff", 300), t,
                   t + kFixtureWindow);
  auto body = get_json("/api/v1/profile?selector=pid%3D300&" + range(0, 1));
  EXPECT_EQ(body["total"], 7);
  EXPECT_NE(find_path(body["flame"], {"bad\xef\xbf\xbd", "main", "caf\xef\xbf\xbd_loop"}), nullptr)
      << body["flame"].dump();
  auto labels = get_json("/api/v1/labels")["labels"];
  EXPECT_EQ(labels["comm"], json({"app", "bad\xef\xbf\xbd", "db"}));
  // A selector that is not UTF-8 is a 400 with a readable reason, not a 500.
  auto bad = get_json("/api/v1/profile?selector=%7B%FF", 400);
  EXPECT_TRUE(bad.contains("error"));
}

TEST_F(UiApiTest, DiffCarriesBaseValues) {
  std::string base = "&base_from=" + std::to_string(kFixtureStart) +
                     "&base_to=" + std::to_string(kFixtureStart + 6 * kFixtureWindow);
  auto body = get_json("/api/v1/diff?selector=comm%3Dapp&" + range(6, 12) + base);
  EXPECT_EQ(body["total"], 6 * 15);
  EXPECT_EQ(body["base_total"], 6 * 10);
  auto* added = find_path(body["flame"], {"app", "main", "run_loop", "app_new_function"});
  ASSERT_NE(added, nullptr);
  EXPECT_EQ((*added)["v"], 30);
  EXPECT_EQ((*added)["b"], 0);
  auto* hot = find_path(body["flame"], {"app", "main", "run_loop", "app_hot_function"});
  EXPECT_EQ((*hot)["v"], 48);
  EXPECT_EQ((*hot)["b"], 48);
  auto* row = top_row(body, "app_new_function");
  EXPECT_EQ((*row)["base_flat"], 0);
  EXPECT_EQ((*row)["flat"], 30);
}

TEST_F(UiApiTest, PprofDownloadIsReadable) {
  auto res = client->Get("/api/v1/pprof?selector=comm%3Dapp&" + range(0, 2));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Disposition").find("ksight.pb.gz"), std::string::npos);
  auto p = exporter::parse_pprof(res->body);
  EXPECT_EQ(p.time_nanos, kFixtureStart);
  EXPECT_EQ(p.duration_nanos, 2 * kFixtureWindow);
  int64_t total = 0;
  for (const auto& s : p.samples) total += s.values[0];
  EXPECT_EQ(total, 20);
  // Diff download: target minus base.
  auto diff = client->Get("/api/v1/pprof?selector=comm%3Dapp&" + range(6, 7) +
                          "&base_from=" + std::to_string(kFixtureStart) +
                          "&base_to=" + std::to_string(kFixtureStart + kFixtureWindow));
  ASSERT_EQ(diff->status, 200);
  auto d = exporter::parse_pprof(diff->body);
  EXPECT_EQ(testing::leaf_value(d, "app_new_function"), 5);
  EXPECT_EQ(testing::leaf_value(d, "app_hot_function"), 0);
  EXPECT_EQ(client->Get("/api/v1/pprof?selector=comm%3Dnobody")->status, 400);
}

TEST_F(UiApiTest, PageAndAssetsAreServedFromTheBinary) {
  auto page = client->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("/ui/app.js"), std::string::npos);
  auto js = client->Get("/ui/app.js");
  EXPECT_EQ(js->status, 200);
  EXPECT_NE(js->body.find("drawFlame"), std::string::npos);
  EXPECT_EQ(client->Get("/ui/app.css")->status, 200);
  EXPECT_EQ(client->Get("/ui/missing.js")->status, 404);
  // Nothing on the page reaches outside the agent.
  EXPECT_EQ(page->body.find("http://"), std::string::npos);
  EXPECT_EQ(page->body.find("https://"), std::string::npos);
}

}  // namespace
}  // namespace ksight::ui
