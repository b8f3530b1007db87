// Kernel tier: the real `ksight agent` against workloads with known kernel
// activity; the counters must move by what the workload did. Other processes
// run on the machine too, so per-process series are asserted exactly (within
// the dynamic loader's few calls) and machine-wide ones as lower bounds.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "agent_process.h"

namespace ksight::agent::testing {
namespace {

namespace fs = std::filesystem;

// Runs the workload under a unique process name; returns that name.
std::string run_workload(const std::string& mode, long n) {
  static int counter = 0;
  std::string comm =
      "ksw" + mode.substr(0, 4) + std::to_string(getpid() % 10000) + std::to_string(counter++);
  fs::path link = fs::temp_directory_path() / comm;
  fs::remove(link);
  fs::create_symlink(KSIGHT_AGENT_WORKLOAD, link);
  pid_t pid = fork();
  if (pid == 0) {
    execl(link.c_str(), comm.c_str(), mode.c_str(), std::to_string(n).c_str(), nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  fs::remove(link);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << mode;
  return comm;
}

class AgentKernel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    agent_ = new AgentProcess({"--collect_interval", "200ms"});
    if (!agent_->wait_ready()) {
      ADD_FAILURE() << "agent did not become ready:\n" << agent_->log();
    }
  }
  static void TearDownTestSuite() {
    delete agent_;
    agent_ = nullptr;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "kernel tier needs root";
    ASSERT_NE(agent_, nullptr);
  }
  static AgentProcess* agent_;
};
AgentProcess* AgentKernel::agent_ = nullptr;

TEST_F(AgentKernel, AllSourcesAttached) {
  std::string ready = agent_->get("/readyz");
  for (const char* s : {"sources.process", "sources.syscalls", "sources.kmem", "sources.net",
                        "profiler", "security.enabled"}) {
    EXPECT_NE(ready.find(std::string(s) + ": attached"), std::string::npos) << ready;
  }
  // The four event sources, the continuous CPU profiler and the security feed.
  EXPECT_EQ(agent_->value("ksight_source_up"), 6);
}

TEST_F(AgentKernel, OpenatCallsOfAProgramAreCountedAndTimed) {
  const long n = 20000;
  double hist_before =
      agent_->value("ksight_syscall_duration_seconds_count", {{"syscall", "openat"}});
  std::string comm = run_workload("openat", n);
  // The dynamic loader opens a few libraries with openat before main().
  double v = agent_->wait_for("ksight_syscalls_total", {{"syscall", "openat"}, {"comm", comm}},
                              [&](double x) { return x >= n; });
  EXPECT_GE(v, n);
  EXPECT_LE(v, n + 20);
  EXPECT_EQ(agent_->value("ksight_syscalls_total", {{"syscall", "close"}, {"comm", comm}}) >= n,
            true);
  double hist = agent_->wait_for("ksight_syscall_duration_seconds_count", {{"syscall", "openat"}},
                                 [&](double x) { return x >= hist_before + 0.8 * n; });
  // Latency is sampled (1 in 16 by default) and scaled back: about n.
  EXPECT_GE(hist - hist_before, 0.8 * n);
  double sum = agent_->value("ksight_syscall_duration_seconds_sum", {{"syscall", "openat"}});
  EXPECT_GT(sum, 0);
  EXPECT_GT(agent_->value("ksight_events_total", {{"source", "syscalls"}}), n);
}

TEST_F(AgentKernel, ExecsReachTheProcessTable) {
  double before = agent_->value("ksight_process_events_total", {{"type", "exec"}});
  run_workload("openat", 1);
  run_workload("openat", 1);
  double after = agent_->wait_for("ksight_process_events_total", {{"type", "exec"}},
                                  [&](double x) { return x >= before + 2; });
  EXPECT_GE(after - before, 2);
  EXPECT_GT(agent_->wait_for("ksight_process_table_entries", {{"state", "live"}},
                             [](double x) { return x > 10; }),
            10);
}

TEST_F(AgentKernel, KmallocHeavyWorkloadIsAttributed) {
  const long n = 20000;
  // Each read of /proc/self/stat kmallocs its seq_file buffer (one page) in
  // seq_read_iter: the call-site series must grow by at least n pages.
  std::map<std::string, std::string> site = {{"kind", "kmalloc"}, {"call_site", "seq_read_iter"}};
  double site_before = agent_->value("ksight_kmalloc_call_site_bytes_total", site);
  std::string comm = run_workload("kmalloc", n);
  double calls = agent_->wait_for("ksight_kmem_calls_total", {{"kind", "kmalloc"}, {"comm", comm}},
                                  [&](double x) { return x >= n; });
  EXPECT_GE(calls, n);
  double site_bytes = agent_->wait_for("ksight_kmalloc_call_site_bytes_total", site,
                                       [&](double x) { return x >= site_before + n * 4096.0; });
  EXPECT_GE(site_bytes - site_before, n * 4096.0);
  // Attribution to a comm happens when the maps are read; a read during the
  // fork/exec window can credit part of the run to the parent's name.
  EXPECT_GE(agent_->value("ksight_kmalloc_bytes_total", {{"comm", comm}}), 0.25 * n * 4096.0);
  EXPECT_GE(agent_->value("ksight_kmem_calls_total", {{"kind", "kfree"}, {"comm", comm}}), n);
}

int listen_loopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(fd, 16);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

int connect_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST_F(AgentKernel, TcpConnectAcceptCloseOverLoopback) {
  auto conns = [&](const char* dir, const char* result) {
    return agent_->value("ksight_tcp_connections_total", {{"direction", dir}, {"result", result}});
  };
  double out0 = conns("outbound", "success"), in0 = conns("inbound", "success");
  double failed0 = conns("outbound", "failed");
  double sent0 = agent_->value("ksight_tcp_closed_connection_bytes_total", {{"direction", "sent"}});
  double closed0 = agent_->value("ksight_tcp_connection_duration_seconds_count");
  const int k = 5;
  const std::string payload(10000, 'x');
  int port = 0;
  int server = listen_loopback(&port);
  for (int i = 0; i < k; ++i) {
    int c = connect_loopback(port);
    ASSERT_GE(c, 0);
    int a = accept(server, nullptr, nullptr);
    ASSERT_GE(a, 0);
    ASSERT_EQ(write(c, payload.data(), payload.size()), static_cast<ssize_t>(payload.size()));
    std::string buf(payload.size(), 0);
    size_t got = 0;
    while (got < buf.size()) {
      ssize_t r = read(a, buf.data() + got, buf.size() - got);
      ASSERT_GT(r, 0);
      got += static_cast<size_t>(r);
    }
    close(c);
    close(a);
  }
  close(server);
  int closed_port = free_port();
  EXPECT_EQ(connect_loopback(closed_port), -1);  // refused: RST to our SYN

  EXPECT_GE(agent_->wait_for("ksight_tcp_connections_total",
                             {{"direction", "outbound"}, {"result", "success"}},
                             [&](double x) { return x >= out0 + k; }) -
                out0,
            k);
  EXPECT_GE(conns("inbound", "success") - in0, k);
  EXPECT_GE(agent_->wait_for("ksight_tcp_connections_total",
                             {{"direction", "outbound"}, {"result", "failed"}},
                             [&](double x) { return x >= failed0 + 1; }) -
                failed0,
            1);
  // Both ends of each connection close: 2k lifetimes, k*payload bytes acked.
  EXPECT_GE(agent_->wait_for("ksight_tcp_connection_duration_seconds_count", {},
                             [&](double x) { return x >= closed0 + 2 * k; }) -
                closed0,
            2 * k);
  EXPECT_GE(
      agent_->value("ksight_tcp_closed_connection_bytes_total", {{"direction", "sent"}}) - sent0,
      k * static_cast<double>(payload.size()));
  // The refused SYN is answered by a reset (tcp:tcp_send_reset).
  EXPECT_GE(agent_->wait_for("ksight_tcp_resets_total", {{"direction", "sent"}},
                             [](double x) { return x >= 1; }),
            1);
}

TEST_F(AgentKernel, SelfMetricsAndNoLosses) {
  EXPECT_GT(agent_->value("process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(agent_->value("process_cpu_seconds_total"), 0);
  EXPECT_EQ(agent_->value("ksight_build_info"), 1);
  EXPECT_EQ(agent_->value("ksight_events_lost_total"), 0);
  EXPECT_EQ(agent_->value("ksight_events_decode_errors_total"), 0);
}

class AgentLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "kernel tier needs root";
  }
};

TEST_F(AgentLifecycle, SigtermDetachesAndExitsZeroWithinTwoSeconds) {
  // Without kmem and the security feed, whose ~40 syscall tracepoints take
  // ~1.5 s more to detach (tests/security/agent_security_kernel_test.cpp
  // times the agent's stop with it).
  AgentProcess agent({"--sources.kmem=false", "--security.enabled=false"});
  ASSERT_TRUE(agent.wait_ready()) << agent.log();
  std::chrono::milliseconds took{};
  EXPECT_EQ(agent.stop(SIGTERM, &took), 0) << agent.log();
  EXPECT_LT(took.count(), 2000);
  EXPECT_NE(agent.log().find("shutting down"), std::string::npos);
}

TEST_F(AgentLifecycle, SighupReloadsValidConfigAndKeepsRunningOnInvalid) {
  fs::path config =
      fs::temp_directory_path() / ("ksight-agent-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(config) << "sources:\n  kmem: false\n  net: false\n";
  AgentProcess agent({"--config", config.string()});
  ASSERT_TRUE(agent.wait_ready()) << agent.log();
  EXPECT_EQ(agent.value("ksight_source_up", {{"source", "net"}}), 0);
  std::ofstream(config)
      << "sources:\n  kmem: false\n  net: true\nmetrics:\n  max_label_values: 10\n";
  agent.signal(SIGHUP);
  EXPECT_EQ(agent.wait_for("ksight_config_reloads_total", {{"result", "success"}},
                           [](double x) { return x >= 1; }),
            1)
      << agent.log();
  EXPECT_EQ(agent.value("ksight_source_up", {{"source", "net"}}), 1);  // switched on by reload
  std::ofstream(config) << "sources:\n  kmem: perhaps\n";
  agent.signal(SIGHUP);
  EXPECT_EQ(agent.wait_for("ksight_config_reloads_total", {{"result", "failure"}},
                           [](double x) { return x >= 1; }),
            1);
  int status = 0;
  agent.get("/readyz", &status);
  EXPECT_EQ(status, 200);
  EXPECT_NE(agent.log().find(":2: sources.kmem: expected true or false, got 'perhaps'"),
            std::string::npos)
      << agent.log();
  EXPECT_EQ(agent.stop(SIGINT), 0);
  fs::remove(config);
}

TEST_F(AgentLifecycle, PortInUseFailsAtStartWithClearError) {
  int port = 0;
  int holder = listen_loopback(&port);
  fs::path log = fs::temp_directory_path() / ("ksight-port-" + std::to_string(getpid()) + ".log");
  pid_t pid = fork();
  if (pid == 0) {
    std::string listen = "127.0.0.1:" + std::to_string(port);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(KSIGHT_BIN, KSIGHT_BIN, "agent", "--listen", listen.c_str(), nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(holder);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(
      text.find("cannot listen on 127.0.0.1:" + std::to_string(port) + ": Address already in use"),
      std::string::npos)
      << text;
  fs::remove(log);
}

TEST_F(AgentLifecycle, MalformedConfigFailsAtStartNamingKeyAndLine) {
  fs::path config =
      fs::temp_directory_path() / ("ksight-bad-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(config) << "listen: 127.0.0.1:9464\nprocess_table:\n  exit_grace: soon\n";
  AgentProcess agent({"--config", config.string()});
  EXPECT_FALSE(agent.wait_ready(std::chrono::seconds(10)));
  EXPECT_NE(agent.log().find(config.string() + ":3: process_table.exit_grace: expected a duration"),
            std::string::npos)
      << agent.log();
  fs::remove(config);
}

}  // namespace
}  // namespace ksight::agent::testing
