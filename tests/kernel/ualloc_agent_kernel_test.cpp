// User allocations as an agent profile type (issue 8): `ksight agent
// --profiler.ualloc_comm=...` probes tests/workloads/ualloc_known.cpp when
// it starts after the agent, serves its known bytes from its known
// functions (within sampling error) from the store (/api/v1/pprof,
// /debug/pprof/ualloc), counts losses on /metrics, and detaches and prunes
// the process's kernel map entries when it exits.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "../agent/agent_process.h"
#include "agent/feature_probe.h"
#include "alloc_checks.h"
#include "export/pprof_reader.h"
#include "support/subprocess.h"

namespace ksight::testing {
namespace {

using agent::testing::AgentProcess;
using Clock = std::chrono::steady_clock;

const std::string kKnown = std::string(KSIGHT_BINARY_DIR) + "/tests/workloads/ksight_ualloc_known";
constexpr double kMiB = 1024.0 * 1024.0;

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The [start, end) of the stored windows of `selector`, oldest first.
std::vector<std::pair<int64_t, int64_t>> windows(AgentProcess& agent, const std::string& selector) {
  auto j = nlohmann::json::parse(agent.get("/api/v1/windows?selector=" + url_encode(selector)),
                                 nullptr, false);
  std::vector<std::pair<int64_t, int64_t>> out;
  if (j.is_discarded() || !j.contains("windows")) return out;
  for (const auto& w : j["windows"]) {
    out.emplace_back(std::stoll(w[0].get<std::string>()), std::stoll(w[1].get<std::string>()));
  }
  return out;
}

profile::Profile pprof(AgentProcess& agent, const std::string& selector, int64_t from, int64_t to) {
  int status = 0;
  std::string body = agent.get("/api/v1/pprof?selector=" + url_encode(selector) +
                                   "&from=" + std::to_string(from) + "&to=" + std::to_string(to),
                               &status);
  EXPECT_EQ(status, 200) << body;
  return status == 200 ? exporter::parse_pprof(body) : profile::Profile{};
}

bool can_run() {
  if (geteuid() != 0) return false;
  auto status = agent::kernel_features().status(agent::Feature::kUprobe);
  if (!status.available) std::cerr << "SKIP LOUDLY: no uprobes: " << status.detail << "\n";
  return status.available;
}

TEST(UallocAgentKernelTest, LateStartingProcessIsProbedAndItsKnownBytesServed) {
  if (!can_run()) GTEST_SKIP() << "needs root and uprobes";
  AgentProcess agent({"--profiler.ualloc_comm=ksight_ualloc_k,nothing_else",
                      "--profiler.ualloc_sample_bytes=64KiB", "--profiler.window=2s",
                      "--collect_interval=200ms", "--profiler.enabled=false",
                      "--security.enabled=false"});
  ASSERT_TRUE(agent.wait_ready()) << agent.log();
  std::string ready = agent.get("/readyz");
  ASSERT_NE(ready.find("profiler.ualloc: attached"), std::string::npos) << ready;
  EXPECT_EQ(agent.value("ksight_ualloc_processes"), 0);

  // Started after the agent: picked up from the process table.
  Subprocess known({kKnown});
  ASSERT_TRUE(known.wait_for_output("ready", std::chrono::seconds(5)));
  EXPECT_EQ(agent.wait_for("ksight_ualloc_processes", {}, [](double v) { return v >= 1; }), 1)
      << agent.log();
  known.send_signal(SIGUSR1);
  ASSERT_TRUE(known.wait_for_output("done", std::chrono::seconds(120)));
  int64_t done_ns = wall_ns();

  // Wait for a window that closed after the workload was done.
  std::string selector = "{type=\"ualloc\",pid=\"" + std::to_string(known.pid()) + "\"}";
  std::vector<std::pair<int64_t, int64_t>> ws;
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    ws = windows(agent, selector);
    if (!ws.empty() && ws.back().second > done_ns) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_FALSE(ws.empty()) << agent.log();
  ASSERT_GT(ws.back().second, done_ns);

  // alloc_* add up over every window; inuse_* is the last window's snapshot.
  auto all = pprof(agent, selector, ws.front().first, ws.back().second);
  auto last = pprof(agent, selector, ws.back().first, ws.back().second);
  ASSERT_EQ(all.value_index("alloc_space"), 1);
  ASSERT_EQ(all.value_index("inuse_space"), 3);
  double big = through(all, "ksight_alloc_big", 1) / kMiB;
  double small = through(all, "ksight_alloc_small", 1) / kMiB;
  double small_inuse = through(last, "ksight_alloc_small", 3) / kMiB;
  double big_inuse = through(last, "ksight_alloc_big", 3) / kMiB;
  std::cout << ws.size() << " windows; alloc_space big " << big << " MiB (want 256), small "
            << small << " MiB (want 64); inuse_space small " << small_inuse
            << " MiB (want 64), big " << big_inuse << " MiB (want 0)\n";
  // 64 KiB: ~4 000 samples of the big chunks, ~1 000 of the small ones.
  EXPECT_NEAR(big, 256, 256 * 0.15);
  EXPECT_NEAR(small, 64, 64 * 0.15);
  EXPECT_NEAR(small_inuse, 64, 64 * 0.15);
  EXPECT_LT(big_inuse, 256 * 0.01);
  for (const auto& s : all.samples) EXPECT_EQ(s.label("comm"), "ksight_ualloc_k");

  int status = 0;
  auto served = exporter::parse_pprof(agent.get("/debug/pprof/ualloc?seconds=300", &status));
  EXPECT_EQ(status, 200);
  EXPECT_GT(through(served, "ksight_alloc_big", 1), 0);
  EXPECT_NE(agent.get("/api/v1/labels").find("\"ualloc\""), std::string::npos);
  for (const char* reason : {"keys_full", "live_full", "missed_return"}) {
    EXPECT_EQ(agent.value("ksight_ualloc_lost_total", {{"reason", reason}}), 0) << reason;
  }
  EXPECT_GT(agent.value("ksight_events_total", {{"source", "ualloc_profile"}}), 0);

  // Its exit detaches it; after the next window its sampled pointers (the
  // 64 MiB it kept) leave the kernel's live map.
  known.send_signal(SIGUSR1);
  EXPECT_EQ(known.wait(std::chrono::seconds(10)), 0);
  EXPECT_EQ(agent.wait_for("ksight_ualloc_processes", {}, [](double v) { return v == 0; }), 0);
  EXPECT_GT(agent.wait_for("ksight_ualloc_pruned_total", {{"what", "live"}},
                           [](double v) { return v > 500; }),
            500);
  EXPECT_EQ(agent.value("ksight_ualloc_attach_total", {{"result", "attached"}}), 1);
  EXPECT_EQ(agent.value("ksight_ualloc_attach_total", {{"result", "failed"}}), 0);
  EXPECT_EQ(agent.stop(SIGTERM), 0);
}

TEST(UallocAgentKernelTest, BadTargetListIsAClearStartupError) {
  if (geteuid() != 0) GTEST_SKIP() << "kernel tier needs root";
  AgentProcess agent({"--profiler.ualloc_pids=12,abc"});
  EXPECT_FALSE(agent.wait_ready(std::chrono::seconds(10)));
  EXPECT_NE(agent.log().find("--profiler.ualloc_pids: expected process ids"), std::string::npos)
      << agent.log();
}

}  // namespace
}  // namespace ksight::testing
