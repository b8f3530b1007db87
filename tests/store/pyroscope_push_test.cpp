#include "store/pyroscope_push.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "export/pprof_reader.h"
#include "store/profile_fixture.h"
#include "store/store.h"

namespace ksight::store {
namespace {

constexpr int64_t kSec = 1000000000;

// An in-process Pyroscope stand-in: records /ingest requests, answers
// `fail_first` of them with `fail_status`.
struct FakePyroscope {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mutex;
  std::vector<httplib::Request> requests;
  std::atomic<int> fail_first{0};
  std::atomic<int> fail_status{503};
  std::atomic<int> calls{0};

  FakePyroscope() {
    server.Post("/prefix/ingest", [this](const httplib::Request& req, httplib::Response& res) {
      if (calls++ < fail_first) {
        res.status = fail_status;
        return;
      }
      std::lock_guard lock(mutex);
      requests.push_back(req);
      res.status = 200;
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakePyroscope() {
    server.stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/prefix/"; }
  size_t received() {
    std::lock_guard lock(mutex);
    return requests.size();
  }
};

template <typename F>
bool eventually(F done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::shared_ptr<const profile::Profile> window_profile() {
  return std::make_shared<const profile::Profile>(
      testing::fixture_profile({{{"main", "pushed_leaf"}, 7}}));
}

PushOptions options(const FakePyroscope& fake) {
  PushOptions o;
  o.url = fake.url();
  o.backoff = std::chrono::milliseconds(1);
  o.headers = {{"X-Scope-OrgID", "tenant1"}};
  return o;
}

TEST(PyroscopeNameTest, TypeBecomesSuffixAndReservedCharactersAreReplaced) {
  EXPECT_EQ(pyroscope_name("ksight", {{"type", "off_cpu"}, {"comm", "a,b{c}"}, {"pid", "1"}}),
            "ksight.off_cpu{comm=a_b_c_,pid=1}");
  EXPECT_EQ(pyroscope_name("node1", {}), "node1.cpu{}");
}

TEST(PyroscopePushTest, SendsPprofWithLabelsInTheName) {
  FakePyroscope fake;
  PyroscopePusher pusher(options(fake));
  pusher.start();
  Labels labels = {{"comm", "app"}, {"pid", "100"}, {"type", "cpu"}};
  ASSERT_TRUE(pusher.enqueue(labels, window_profile(), 1700000000 * kSec, 1700000010 * kSec));
  ASSERT_TRUE(eventually([&] { return fake.received() == 1; }));
  const auto& req = fake.requests[0];
  EXPECT_EQ(req.get_param_value("name"), "ksight.cpu{comm=app,pid=100}");
  EXPECT_EQ(req.get_param_value("from"), "1700000000");
  EXPECT_EQ(req.get_param_value("until"), "1700000010");
  EXPECT_EQ(req.get_param_value("format"), "pprof");
  EXPECT_EQ(req.get_header_value("X-Scope-OrgID"), "tenant1");
  ASSERT_TRUE(req.has_file("profile"));
  auto p = exporter::parse_pprof(req.get_file_value("profile").content);
  EXPECT_EQ(testing::leaf_value(p, "pushed_leaf"), 7);
  EXPECT_TRUE(eventually([&] { return pusher.stats().sent == 1; }));
}

TEST(PyroscopePushTest, RetriesServerErrors) {
  FakePyroscope fake;
  fake.fail_first = 2;
  PyroscopePusher pusher(options(fake));
  pusher.start();
  pusher.enqueue({{"type", "cpu"}}, window_profile(), 0, kSec);
  ASSERT_TRUE(eventually([&] { return pusher.stats().sent == 1; }));
  EXPECT_EQ(pusher.stats().retries, 2u);
  EXPECT_EQ(fake.received(), 1u);
}

TEST(PyroscopePushTest, GivesUpAfterMaxAttemptsAndOnClientErrors) {
  FakePyroscope fake;
  fake.fail_first = 100;
  auto o = options(fake);
  o.max_attempts = 3;
  PyroscopePusher pusher(o);
  pusher.start();
  pusher.enqueue({{"type", "cpu"}}, window_profile(), 0, kSec);
  ASSERT_TRUE(eventually([&] { return pusher.stats().dropped_failed == 1; }));
  EXPECT_EQ(fake.calls, 3);
  fake.fail_status = 400;  // not retried
  pusher.enqueue({{"type", "cpu"}}, window_profile(), 0, kSec);
  ASSERT_TRUE(eventually([&] { return pusher.stats().dropped_failed == 2; }));
  EXPECT_EQ(fake.calls, 4);
}

TEST(PyroscopePushTest, FullQueueDropsAndCounts) {
  FakePyroscope fake;
  auto o = options(fake);
  o.queue_capacity = 3;
  PyroscopePusher pusher(o);  // not started: nothing drains the queue
  for (int i = 0; i < 5; ++i) pusher.enqueue({{"type", "cpu"}}, window_profile(), 0, kSec);
  EXPECT_EQ(pusher.stats().queued, 3u);
  EXPECT_EQ(pusher.stats().dropped_queue_full, 2u);
  pusher.start();
  EXPECT_TRUE(eventually([&] { return fake.received() == 3; }));
}

TEST(PyroscopePushTest, UnreachableServerCountsFailures) {
  PushOptions o;
  o.url = "http://127.0.0.1:1";
  o.max_attempts = 2;
  o.backoff = std::chrono::milliseconds(1);
  PyroscopePusher pusher(o);
  pusher.start();
  pusher.enqueue({{"type", "cpu"}}, window_profile(), 0, kSec);
  EXPECT_TRUE(eventually([&] { return pusher.stats().dropped_failed == 1; }));
}

TEST(PyroscopePushTest, StoreListenerFeedsThePusher) {
  FakePyroscope fake;
  PyroscopePusher pusher(options(fake));
  pusher.start();
  Store store;
  store.set_listener([&](const Labels& l, std::shared_ptr<const profile::Profile> p, int64_t s,
                         int64_t e) { pusher.enqueue(l, std::move(p), s, e); });
  store.add_window({{"comm", "db"}, {"type", "cpu"}},
                   testing::fixture_profile({{{"main", "pushed_leaf"}, 1}}), 0, kSec);
  ASSERT_TRUE(eventually([&] { return fake.received() == 1; }));
  EXPECT_EQ(fake.requests[0].get_param_value("name"), "ksight.cpu{comm=db}");
}

}  // namespace
}  // namespace ksight::store
