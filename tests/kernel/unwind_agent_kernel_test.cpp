// The agent's continuous profiler with profiler.unwind (issue 4): a
// -fomit-frame-pointer workload's stacks in /debug/pprof/profile reach main,
// and /metrics carries the unwinder's counters.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "../agent/agent_process.h"
#include "export/pprof_reader.h"
#include "support/subprocess.h"

namespace ksight::testing {
namespace {

using namespace std::chrono_literals;
using agent::testing::AgentProcess;

const std::string kWorkloads = std::string(KSIGHT_BINARY_DIR) + "/tests/workloads/";

bool is_process(const profile::Sample& s, pid_t pid) {
  for (const auto& l : s.labels) {
    if (l.key != "pid") continue;
    return l.is_num ? l.num == pid : l.str == std::to_string(pid);
  }
  return false;
}

// Function names of a sample's frames, leaf first, inlined frames included.
std::vector<std::string> functions(const profile::Profile& p, const profile::Sample& s) {
  std::vector<std::string> out;
  for (uint64_t id : s.location_ids) {
    for (const auto& line : p.locations.at(id - 1).lines) out.push_back(line.function);
  }
  return out;
}

// hog_leaf, hog_middle, hog_outer, main as consecutive frames (leaf first).
bool whole_chain(const std::vector<std::string>& f) {
  const std::vector<std::string> chain = {"hog_leaf", "hog_middle", "hog_outer", "main"};
  return std::search(f.begin(), f.end(), chain.begin(), chain.end()) != f.end();
}

struct Shares {
  int64_t total = 0, whole = 0;
};

Shares hog_shares(const profile::Profile& p, pid_t pid) {
  Shares s;
  for (const auto& sample : p.samples) {
    if (!is_process(sample, pid) || sample.values.empty()) continue;
    s.total += sample.values[0];
    if (whole_chain(functions(p, sample))) s.whole += sample.values[0];
  }
  return s;
}

// Polls /debug/pprof/profile until the closed windows hold enough of the
// process's samples (or a deadline passes).
Shares poll_hog_shares(AgentProcess& agent, pid_t pid) {
  Shares shares;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    std::string body = agent.get("/debug/pprof/profile?seconds=30", &status);
    if (status == 200) {
      shares = hog_shares(exporter::parse_pprof(body), pid);
      if (shares.total >= 40) break;
    }
    std::this_thread::sleep_for(250ms);
  }
  return shares;
}

TEST(UnwindAgentKernelTest, ContinuousProfilerUnwindsStacksWithoutFramePointers) {
  if (geteuid() != 0) GTEST_SKIP() << "KERNEL TIER SKIPPED: needs root to load BPF programs";
  Subprocess hog({kWorkloads + "ksight_cpu_hog_nofp", "120"});
  ASSERT_TRUE(hog.wait_for_output("ready", 10s));
  AgentProcess agent({"--profiler.window", "2s", "--profiler.unwind", "auto",
                      "--sources.kmem=false", "--sources.net=false", "--sources.syscalls=false"});
  ASSERT_TRUE(agent.wait_ready()) << agent.log();

  Shares shares = poll_hog_shares(agent, hog.pid());
  std::printf("agent, profiler.unwind=auto: %ld hog samples, whole chain to main %.1f%%\n",
              static_cast<long>(shares.total),
              shares.total ? 100.0 * shares.whole / shares.total : 0.0);
  ASSERT_GE(shares.total, 40) << agent.log();
  EXPECT_GE(static_cast<double>(shares.whole) / shares.total, 0.95) << agent.log();

  // The counters are exported; every DWARF-kept stack was counted.
  agent.wait_for("ksight_unwind_samples_total", {{"stack", "dwarf"}},
                 [](double v) { return v > 0; });
  EXPECT_GT(agent.value("ksight_unwind_samples_total", {{"stack", "dwarf"}}), 0);
  EXPECT_GT(agent.value("ksight_unwind_dwarf_stacks_total", {{"result", "complete"}}), 0);
  size_t reasons = 0;
  for (const auto& s : agent.scrape()) reasons += s.name == "ksight_unwind_errors_total";
  EXPECT_EQ(reasons, 7u) << "one series per reason of unwind_stats.h";
}

// profiler.unwind=fp copies no stack: the same workload's stacks stop at the
// leaf, which is why auto is the default.
TEST(UnwindAgentKernelTest, FramePointerModeCannotReachMain) {
  if (geteuid() != 0) GTEST_SKIP() << "KERNEL TIER SKIPPED: needs root to load BPF programs";
  Subprocess hog({kWorkloads + "ksight_cpu_hog_nofp", "120"});
  ASSERT_TRUE(hog.wait_for_output("ready", 10s));
  AgentProcess agent({"--profiler.window", "2s", "--profiler.unwind", "fp", "--sources.kmem=false",
                      "--sources.net=false", "--sources.syscalls=false"});
  ASSERT_TRUE(agent.wait_ready()) << agent.log();
  Shares shares = poll_hog_shares(agent, hog.pid());
  ASSERT_GE(shares.total, 40) << agent.log();
  EXPECT_LT(static_cast<double>(shares.whole) / shares.total, 0.5);
  EXPECT_EQ(agent.value("ksight_unwind_samples_total", {{"stack", "dwarf"}}), 0);
}

}  // namespace
}  // namespace ksight::testing
