// Kernel tier: the real `ksight agent` runs the security rules. A program
// that is not allowlisted reads /etc/shadow; the alert must reach the file
// output as a Falco JSON line and ksight_alerts_total must count it. Then
// the rules file is rewritten with an error and SIGHUP sent: the failure is
// logged and the old rules keep firing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent_process.h"

namespace ksight::agent::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr const char* kRule = "Read Sensitive File By Untrusted Process";

int run_trigger(const std::string& action, const std::string& arg) {
  pid_t pid = fork();
  if (pid == 0) {
    execl(SECURITY_TRIGGER, "security_trigger", action.c_str(), arg.c_str(), nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

// Alerts of `rule` for process `pid` in the JSON lines file.
std::vector<json> alerts_for(const std::string& path, const std::string& rule, int pid) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("rule", "") != rule) continue;
    const json& f = j["output_fields"];
    if (f.contains("proc.pid") && f["proc.pid"] == pid) out.push_back(j);
  }
  return out;
}

template <typename Pred>
bool wait_until(Pred pred, std::chrono::seconds timeout = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

class AgentSecurityKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "kernel tier needs root";
    dir_ = fs::temp_directory_path() / ("ksight-agent-sec-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    rules_ = (dir_ / "rules.yaml").string();
    alerts_ = (dir_ / "alerts.jsonl").string();
    fs::copy_file(fs::path(KSIGHT_SOURCE_DIR) / "rules/ksight_rules.yaml", rules_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  fs::path dir_;
  std::string rules_, alerts_;
};

TEST_F(AgentSecurityKernel, AlertOnOutputAndMetricsAndBadReloadKeepsRules) {
  AgentProcess agent({"--collect_interval", "200ms", "--sources.kmem=false",
                      "--sources.syscalls=false", "--sources.net=false", "--profiler.enabled=false",
                      "--security.rules", rules_, "--security.output", "file:" + alerts_});
  ASSERT_TRUE(agent.wait_ready()) << agent.log();
  ASSERT_EQ(agent.value("ksight_source_up", {{"source", "security"}}), 1) << agent.log();

  int pid = run_trigger("read", "/etc/shadow");
  ASSERT_TRUE(wait_until([&] { return !alerts_for(alerts_, kRule, pid).empty(); }))
      << "no alert for pid " << pid << "\n"
      << agent.log();
  json alert = alerts_for(alerts_, kRule, pid).front();
  EXPECT_EQ(alert["priority"], "Warning");
  EXPECT_EQ(alert["source"], "syscall");
  EXPECT_EQ(alert["output_fields"]["fd.name"], "/etc/shadow");
  EXPECT_EQ(alert["output_fields"]["proc.name"], "security_trigge");  // comm: 15 chars
  std::map<std::string, std::string> series{{"rule", kRule}, {"priority", "Warning"}};
  EXPECT_GE(agent.wait_for("ksight_alerts_total", series, [](double v) { return v >= 1; }), 1);
  // A rule with a syntax error: the reload must fail and keep the old rules.
  std::ofstream(rules_, std::ios::app)
      << "\n- rule: Broken On Purpose\n  desc: d\n  condition: fd.name = = /x\n"
         "  output: o\n  priority: WARNING\n";
  ASSERT_EQ(agent.signal(SIGHUP), 0);
  ASSERT_TRUE(wait_until([&] {
    return agent.log().find("reload failed, keeping the current rules") != std::string::npos;
  })) << agent.log();
  EXPECT_NE(agent.log().find(rules_ + ":"), std::string::npos) << "error without its location:\n"
                                                               << agent.log();
  EXPECT_GE(agent.wait_for("ksight_rules_reloads_total", {{"result", "failed"}},
                           [](double v) { return v >= 1; }),
            1);
  int again = run_trigger("read", "/etc/shadow");
  ASSERT_TRUE(wait_until([&] { return !alerts_for(alerts_, kRule, again).empty(); }))
      << "old rules stopped firing after a bad reload\n"
      << agent.log();
  EXPECT_GE(agent.wait_for("ksight_alerts_total", series, [](double v) { return v >= 2; }), 2);
  // The loss and drop counters exist (zero) next to the alert counters
  // once a collect pass has read the feed's counters.
  EXPECT_GT(agent.wait_for("ksight_events_total", {{"source", "security"}},
                           [](double v) { return v > 0; }),
            0);
  std::string metrics = agent.get("/metrics");
  for (const char* name :
       {"ksight_alerts_suppressed_total", "ksight_alert_output_drops_total",
        "ksight_rules_events_total", "ksight_events_lost_total{source=\"security\"}"}) {
    EXPECT_NE(metrics.find(name), std::string::npos) << name << " missing; agent log:\n"
                                                     << agent.log();
  }

  // Detaching the feed's syscall tracepoints is serialized by the kernel
  // (an RCU sync per tracepoint): measured 2.5-2.8 s for the whole agent
  // stop with it against 1.0-1.1 s without, so the budget here is 5 s.
  std::chrono::milliseconds took{};
  EXPECT_EQ(agent.stop(SIGTERM, &took), 0) << agent.log();
  EXPECT_LT(took.count(), 5000);
}

// A program on the allowlist reading the same file raises nothing.
TEST_F(AgentSecurityKernel, AllowlistedReaderDoesNotAlert) {
  AgentProcess agent({"--collect_interval", "200ms", "--sources.kmem=false",
                      "--sources.syscalls=false", "--sources.net=false", "--profiler.enabled=false",
                      "--security.output", "file:" + alerts_});
  ASSERT_TRUE(agent.wait_ready()) << agent.log();
  fs::path sudo_like = dir_ / "passwd";  // "passwd" is in sensitive_file_readers
  fs::copy_file(SECURITY_TRIGGER, sudo_like);
  pid_t pid = fork();
  if (pid == 0) {
    execl(sudo_like.c_str(), "passwd", "read", "/etc/shadow", nullptr);
    _exit(127);
  }
  waitpid(pid, nullptr, 0);
  // A marker read after it: once its alert is out, the allowlisted one
  // would have been too (one consumer, in order).
  int marker = run_trigger("read", "/etc/shadow");
  ASSERT_TRUE(wait_until([&] { return !alerts_for(alerts_, kRule, marker).empty(); }))
      << agent.log();
  EXPECT_TRUE(alerts_for(alerts_, kRule, pid).empty());
}

}  // namespace
}  // namespace ksight::agent::testing
