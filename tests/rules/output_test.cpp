// Alert outputs: rendering, Falco's JSON schema, the file sink and the
// webhook's retries and drop counting against an in-process HTTP server.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "event_builders.h"
#include "rules/engine.h"
#include "rules/http_sink.h"
#include "rules/outputs.h"

namespace ksight::rules {
namespace {

using testing::open_event;

Alert sample_alert() {
  auto result = load_rules({{"t.yaml", R"(
- rule: Shadow Read
  desc: d
  condition: evt.type = openat and fd.name = /etc/shadow
  output: "%proc.name read %fd.name (pid=%proc.pid flags=%evt.arg.flags sip=%fd.sip 100%%)."
  priority: WARNING
  tags: [filesystem, T1003.008]
)"}});
  EXPECT_TRUE(result.ok()) << result.diagnostics.format();
  EngineOptions options;
  options.hostname = "node-1";
  Engine engine(result.rules, options);
  auto ev = open_event("cat", "/etc/shadow", "O_RDONLY");
  ev.ts_ns = 1'763'776'000'123'456'789ULL;
  auto alerts = engine.process(ev);
  EXPECT_EQ(alerts.size(), 1u);
  return alerts.empty() ? Alert{} : alerts[0];
}

TEST(OutputTest, RendersFieldsLikeFalco) {
  Alert a = sample_alert();
  EXPECT_EQ(a.output,
            "01:46:40.123456789: Warning cat read /etc/shadow (pid=4242 flags=O_RDONLY "
            "sip=<NA> 100%).");
}

TEST(OutputTest, JsonLineMatchesFalcoSchema) {
  nlohmann::json j = nlohmann::json::parse(alert_to_json(sample_alert()));
  EXPECT_EQ(j["time"], "2025-11-22T01:46:40.123456789Z");
  EXPECT_EQ(j["rule"], "Shadow Read");
  EXPECT_EQ(j["priority"], "Warning");
  EXPECT_EQ(j["source"], "syscall");
  EXPECT_EQ(j["hostname"], "node-1");
  EXPECT_TRUE(j["output"].get<std::string>().starts_with("01:46:40.123456789: Warning cat read"));
  EXPECT_EQ(j["output_fields"]["proc.name"], "cat");
  EXPECT_EQ(j["output_fields"]["proc.pid"], 4242);  // ints are JSON numbers
  EXPECT_TRUE(j["output_fields"]["fd.sip"].is_null());
  EXPECT_EQ(j["tags"], (nlohmann::json{"filesystem", "T1003.008"}));
  EXPECT_EQ(j.size(), 8u);
}

TEST(OutputTest, FileSinkAppendsOneLinePerAlert) {
  std::string path = std::string(KSIGHT_BINARY_DIR) + "/rules_test_alerts_" +
                     std::to_string(::getpid()) + ".jsonl";
  std::remove(path.c_str());
  {
    OutputSet outputs;
    outputs.add(make_sink("file:" + path));
    outputs.emit(sample_alert());
    outputs.emit(sample_alert());
    outputs.flush();
    EXPECT_EQ(outputs.drops(), 0u);
  }
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(nlohmann::json::parse(line)["rule"], "Shadow Read");
    ++lines;
  }
  EXPECT_EQ(lines, 2);
  std::remove(path.c_str());
}

TEST(OutputTest, SinkSpecs) {
  EXPECT_EQ(make_sink("stdout")->name(), "stdout");
  EXPECT_EQ(make_sink("http:http://127.0.0.1:9/x")->name(), "http:http://127.0.0.1:9/x");
  EXPECT_THROW(make_sink("carrier-pigeon"), std::exception);
  EXPECT_THROW(make_sink("http:ftp://x"), std::exception);
  EXPECT_EQ(SyslogSink::severity(Priority::kEmergency), 0);
  EXPECT_EQ(SyslogSink::severity(Priority::kWarning), 4);
  EXPECT_EQ(SyslogSink::severity(Priority::kDebug), 7);
}

// An in-process receiver that fails the first `failures` POSTs.
class Receiver {
 public:
  explicit Receiver(int failures) : failures_(failures) {
    server_.Post("/alerts", [this](const httplib::Request& req, httplib::Response& res) {
      if (attempts_++ < failures_) {
        res.status = 503;
        return;
      }
      bodies_.push_back(req.body);
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib ignores stop() until its accept loop runs: wait for it.
    for (int i = 0; i < 2000 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // bind_to_any_port already listens: early connections wait in the backlog.
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/alerts"; }
  int attempts() const { return attempts_; }
  const std::vector<std::string>& bodies() const { return bodies_; }

 private:
  httplib::Server server_;
  int failures_;
  std::atomic<int> attempts_{0};
  std::vector<std::string> bodies_;
  int port_ = 0;
  std::thread thread_;
};

HttpSinkOptions fast(std::string url) {
  HttpSinkOptions o;
  o.url = std::move(url);
  o.initial_backoff = std::chrono::milliseconds(1);
  o.max_backoff = std::chrono::milliseconds(4);
  o.timeout = std::chrono::milliseconds(2000);
  return o;
}

TEST(HttpSinkTest, RetriesWithBackoffUntilDelivered) {
  Receiver receiver(2);
  HttpSink sink(fast(receiver.url()));
  Alert a = sample_alert();
  sink.emit(a, alert_to_json(a));
  sink.flush();
  EXPECT_EQ(receiver.attempts(), 3);
  EXPECT_EQ(sink.retries(), 2u);
  EXPECT_EQ(sink.delivered(), 1u);
  EXPECT_EQ(sink.drops(), 0u);
  ASSERT_EQ(receiver.bodies().size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(receiver.bodies()[0])["rule"], "Shadow Read");
}

TEST(HttpSinkTest, DropsAfterMaxAttempts) {
  Receiver receiver(1000);
  auto options = fast(receiver.url());
  options.max_attempts = 3;
  HttpSink sink(options);
  Alert a = sample_alert();
  sink.emit(a, alert_to_json(a));
  sink.flush();
  EXPECT_EQ(receiver.attempts(), 3);
  EXPECT_EQ(sink.drops(), 1u);
  EXPECT_EQ(sink.delivered(), 0u);
}

TEST(HttpSinkTest, FullQueueDropsNewAlerts) {
  // The receiver holds the first POST until released, so the sink's worker
  // is busy while the queue (capacity 2) fills up.
  std::mutex mu;
  std::condition_variable cv;
  bool arrived = false, release = false;
  int received = 0;
  httplib::Server server;
  server.Post("/alerts", [&](const httplib::Request&, httplib::Response& res) {
    std::unique_lock lock(mu);
    arrived = true;
    ++received;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    res.status = 200;
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { server.listen_after_bind(); });
  // httplib ignores stop() until its accept loop runs: wait for it.
  for (int i = 0; i < 2000 && !server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // bind_to_any_port already listens: early connections wait in the backlog.
  {
    auto options = fast("http://127.0.0.1:" + std::to_string(port) + "/alerts");
    options.queue_capacity = 2;
    HttpSink sink(options);
    Alert a = sample_alert();
    std::string line = alert_to_json(a);
    sink.emit(a, line);
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return arrived; });
    }
    for (int i = 0; i < 49; ++i) sink.emit(a, line);
    EXPECT_EQ(sink.drops(), 47u);  // 1 in flight + 2 queued
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
    sink.flush();
    EXPECT_EQ(sink.delivered(), 3u);
    EXPECT_EQ(sink.drops(), 47u);
  }
  EXPECT_EQ(received, 3);
  server.stop();
  listener.join();
}

}  // namespace
}  // namespace ksight::rules
