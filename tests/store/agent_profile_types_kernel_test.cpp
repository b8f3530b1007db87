// The real `ksight agent` with every profile type on and the Pyroscope push
// pointed at a fake ingest server (cpp-httplib in this process): windows of
// cpu, offcpu and kalloc reach the store (/debug/pprof/<type>, the UI's
// label API) and arrive as pprof bodies named <app>.<type>{labels}; with
// the server down the drops are counted on /metrics.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "agent/agent_process.h"
#include "export/pprof_reader.h"

namespace ksight {
namespace {

using agent::testing::AgentProcess;
using agent::testing::free_port;
using Clock = std::chrono::steady_clock;

struct Push {
  std::string name;
  std::string body;
};

// Pyroscope's /ingest as far as the agent uses it.
class FakePyroscope {
 public:
  FakePyroscope() {
    server_.Post("/ingest", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      Push p{req.get_param_value("name"), ""};
      if (req.is_multipart_form_data() && req.has_file("profile")) {
        p.body = req.get_file_value("profile").content;
      }
      pushes_.push_back(std::move(p));
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would hang join(): wait for it.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakePyroscope() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<Push> pushes() {
    std::lock_guard lock(mutex_);
    return pushes_;
  }
  // Polls for a push whose name starts with `prefix` (deadline, no sleeps
  // standing in for a signal: the agent pushes when a window closes).
  std::optional<Push> wait_for(const std::string& prefix, std::chrono::seconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      for (const auto& p : pushes()) {
        if (p.name.rfind(prefix, 0) == 0) return p;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::nullopt;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<Push> pushes_;
};

bool has_sample_type(const profile::Profile& p, const std::string& type) {
  for (const auto& t : p.sample_types) {
    if (t.type == type) return true;
  }
  return false;
}

// Blocks in nanosleep (off-CPU) and opens pipes (kernel allocations) until stopped.
class Workload {
 public:
  Workload() {
    thread_ = std::thread([this] {
      while (!stop_) {
        int fds[2];
        if (pipe(fds) == 0) {
          close(fds[0]);
          close(fds[1]);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
      }
    });
  }
  ~Workload() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class AgentProfileTypes : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "kernel tier needs root";
  }
};

TEST_F(AgentProfileTypes, EveryTypeIsStoredServedAndPushedWithNameAndLabels) {
  FakePyroscope pyroscope;
  Workload workload;
  AgentProcess agent({"--profiler.window=1s", "--collect_interval=200ms", "--profiler.offcpu=true",
                      "--profiler.kalloc=true", "--push.app_name=citest",
                      "--push.labels=cluster=ci",
                      "--push.pyroscope_url=http://127.0.0.1:" + std::to_string(pyroscope.port())});
  ASSERT_TRUE(agent.wait_ready()) << agent.log();
  std::string ready = agent.get("/readyz");
  EXPECT_NE(ready.find("profiler.offcpu: attached"), std::string::npos) << ready;
  EXPECT_NE(ready.find("profiler.kalloc: attached"), std::string::npos) << ready;

  for (const char* type : {"cpu", "offcpu", "kalloc"}) {
    auto push = pyroscope.wait_for(std::string("citest.") + type + "{", std::chrono::seconds(30));
    ASSERT_TRUE(push) << "no " << type << " push; log:\n" << agent.log();
    EXPECT_NE(push->name.find("cluster=ci"), std::string::npos) << push->name;
    EXPECT_NE(push->name.find("comm="), std::string::npos) << push->name;
    EXPECT_NE(push->name.find("pid="), std::string::npos) << push->name;
    EXPECT_NE(push->name.find("container_id="), std::string::npos) << push->name;
    auto pprof = exporter::parse_pprof(push->body);
    EXPECT_FALSE(pprof.samples.empty()) << type;
  }
  // This process's own blocked time and allocations, as served from the store.
  std::string self = "pid=" + std::to_string(getpid());
  EXPECT_TRUE(pyroscope.wait_for("citest.offcpu{", std::chrono::seconds(1)));
  bool own_offcpu = false;
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!own_offcpu && Clock::now() < deadline) {
    for (const auto& p : pyroscope.pushes()) {
      own_offcpu |=
          p.name.rfind("citest.offcpu{", 0) == 0 && p.name.find(self) != std::string::npos;
    }
    if (!own_offcpu) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(own_offcpu) << "no off-CPU window for " << self;

  int status = 0;
  auto offcpu = exporter::parse_pprof(agent.get("/debug/pprof/offcpu?seconds=60", &status));
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(has_sample_type(offcpu, "off_cpu"));
  EXPECT_FALSE(offcpu.samples.empty());
  auto kalloc = exporter::parse_pprof(agent.get("/debug/pprof/kalloc?seconds=60", &status));
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(has_sample_type(kalloc, "alloc_space"));
  EXPECT_TRUE(has_sample_type(kalloc, "inuse_space"));
  std::string labels = agent.get("/api/v1/labels");
  for (const char* type : {"\"cpu\"", "\"offcpu\"", "\"kalloc\""}) {
    EXPECT_NE(labels.find(type), std::string::npos) << labels;
  }
  EXPECT_GT(agent.wait_for("ksight_profile_push_sent_total", {}, [](double v) { return v >= 3; }),
            2);
  EXPECT_EQ(agent.value("ksight_profile_push_dropped_total"), 0);
  EXPECT_GT(agent.value("ksight_events_total", {{"source", "offcpu_profile"}}), 0);
  EXPECT_GT(agent.value("ksight_events_total", {{"source", "kalloc_profile"}}), 0);
  EXPECT_GT(agent.value("ksight_profile_store_windows"), 0);
  EXPECT_EQ(agent.stop(SIGTERM), 0);
}

TEST_F(AgentProfileTypes, PushDropsAreCountedWhenTheServerIsDown) {
  int dead_port = free_port();  // nobody listens: every attempt is refused
  AgentProcess agent({"--profiler.window=1s", "--collect_interval=200ms", "--profiler.offcpu=true",
                      "--push.queue=2",
                      "--push.pyroscope_url=http://127.0.0.1:" + std::to_string(dead_port)});
  ASSERT_TRUE(agent.wait_ready()) << agent.log();
  // Retries back off 0.5 s, 1 s, 2 s before a window is given up; meanwhile
  // the two-slot queue overflows with the next windows.
  double full = agent.wait_for(
      "ksight_profile_push_dropped_total", {{"reason", "queue_full"}},
      [](double v) { return v >= 1; }, std::chrono::seconds(30));
  EXPECT_GE(full, 1);
  double failed = agent.wait_for(
      "ksight_profile_push_dropped_total", {{"reason", "failed"}}, [](double v) { return v >= 1; },
      std::chrono::seconds(30));
  EXPECT_GE(failed, 1);
  EXPECT_GE(agent.value("ksight_profile_push_retries_total"), 3);
  EXPECT_EQ(agent.value("ksight_profile_push_sent_total"), 0);
  // The store keeps everything regardless of the push.
  int status = 0;
  agent.get("/debug/pprof/offcpu?seconds=60", &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(agent.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace ksight
