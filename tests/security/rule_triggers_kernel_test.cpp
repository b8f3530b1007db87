// Kernel tier: every rule of rules/ksight_rules.yaml triggered for real on
// this machine. The real security BPF feed runs in-process through the
// rules engine with the embedded default ruleset; each case does the thing
// (reads /etc/shadow, fexecve()s a memfd, starts a shell with a terminal in
// a cgroup named like a Docker container...) and asserts that exactly that
// rule fired for the process, with the right output fields, and that a
// benign look-alike run just before did not fire it.
//
// "A container" here is a cgroup v2 directory docker/<64 hex> (what
// src/agent/container_id.cpp recognises); a sentinel process lives in it for
// the whole suite so the enricher resolves the cgroup while it exists.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "agent/security_enrich.h"
#include "agent/security_rules_source.h"
#include "rules/engine.h"

namespace ksight::agent::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kContainerId =
    "4b5e1d2c3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b1a2f3e4d5c6b7a8f9e0d";

struct Fired {
  int64_t pid = 0, ppid = 0;
  rules::Alert alert;
};

// The feed and the engine on a polling thread; alerts kept with their pids.
class RulePipeline {
 public:
  RulePipeline() : engine_(default_rules(), engine_options()) {
    auto enricher = std::make_shared<SecurityEnricher>();
    source_ = std::make_unique<SecurityRulesSource>(
        SecuritySourceOptions{},
        [enricher](const SecurityEventRecord& r, rules::SecurityEvent& e) { (*enricher)(r, e); });
    source_->start();
    poller_ = std::thread([this] { poll_loop(); });
  }
  ~RulePipeline() {
    stop_ = true;
    poller_.join();
  }

  std::vector<rules::Alert> alerts(const std::string& rule, int64_t pid) {
    std::lock_guard lock(mu_);
    std::vector<rules::Alert> out;
    for (const auto& f : fired_) {
      if (f.alert.rule == rule && (f.pid == pid || f.ppid == pid)) out.push_back(f.alert);
    }
    return out;
  }
  // Every rule that fired for `pid` (or its children).
  std::set<std::string> rules_for(int64_t pid) {
    std::lock_guard lock(mu_);
    std::set<std::string> out;
    for (const auto& f : fired_) {
      if (f.pid == pid || f.ppid == pid) out.insert(f.alert.rule);
    }
    return out;
  }
  // Waits for an alert of `rule` for `pid` (or a child) that `pred` accepts.
  bool wait_alert(const std::string& rule, int64_t pid,
                  const std::function<bool(const rules::Alert&)>& pred,
                  std::chrono::milliseconds timeout = 8s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& f : fired_) {
        if (f.alert.rule == rule && (f.pid == pid || f.ppid == pid) && pred(f.alert)) return true;
      }
      return false;
    });
  }
  // Waits until an event of `pid` was seen with a container id.
  bool wait_container(int64_t pid, std::chrono::milliseconds timeout = 8s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return containerised_.count(pid) > 0; });
  }

 private:
  static std::shared_ptr<const rules::RuleSet> default_rules() {
    auto result =
        rules::load_rules({{rules::kDefaultRulesName, std::string(rules::default_rules_yaml())},
                           {"build_dir_allowlist.yaml", build_dir_allowlist()}});
    if (!result.ok()) throw std::runtime_error(result.diagnostics.format());
    return result.rules;
  }
  // The trigger programs run from the build tree. A clone under /tmp (CI may
  // put one there) would make every case an execution from /tmp too, so the
  // build tree is allowlisted the way a user would: an exception appended to
  // the rule in a later file. The /tmp case itself runs a copy outside it.
  static std::string build_dir_allowlist() {
    return "- rule: Execution From Temporary Directory\n"
           "  exceptions:\n"
           "    - name: known_temp_programs\n"
           "      values: [[\"" KSIGHT_BINARY_DIR
           "/\"]]\n"
           "  override:\n"
           "    exceptions: append\n";
  }
  static rules::EngineOptions engine_options() {
    rules::EngineOptions o;
    o.alert_limit = rules::RateLimit{0, 0};  // every alert: the test counts them
    return o;
  }
  void poll_loop() {
    std::vector<rules::Alert> out;
    rules::EventCallback on_event = [&](const rules::SecurityEvent& ev) {
      out.clear();
      engine_.process(ev, out);
      std::lock_guard lock(mu_);
      if (ev.container_id != "host") containerised_.insert(ev.proc.pid);
      for (auto& a : out) fired_.push_back({ev.proc.pid, ev.proc.ppid, std::move(a)});
      cv_.notify_all();
    };
    while (!stop_) source_->poll(on_event, 50);
  }

  rules::Engine engine_;
  std::unique_ptr<SecurityRulesSource> source_;
  std::thread poller_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Fired> fired_;
  std::set<int64_t> containerised_;
};

// How a trigger process starts.
struct Run {
  std::string exe;                // path to execute (a symlink names the process)
  std::vector<std::string> argv;  // argv[0] first
  bool container = false;         // join the fake container's cgroup first
  bool tty = false;               // get a controlling terminal first
  bool wait = true;
};

// Known before the test cases are built (their expected paths use it).
const fs::path g_dir =
    fs::temp_directory_path() / ("ksight-rule-triggers-" + std::to_string(getpid()));
fs::path g_cgroup;

// The child's own setup before exec; failures exit 120+ so they show.
void child_setup(const Run& run) {
  if (run.container) {
    std::ofstream procs(g_cgroup / "cgroup.procs");
    procs << getpid() << std::flush;
    if (!procs) _exit(121);
  }
  if (run.tty) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master) || setsid() < 0) _exit(122);
    int slave = open(ptsname(master), O_RDWR);  // session leader: becomes the ctty
    if (slave < 0) _exit(123);
  }
}

pid_t start(const Run& run) {
  pid_t pid = fork();
  if (pid == 0) {
    child_setup(run);
    std::vector<char*> argv;
    for (const auto& a : run.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(run.exe.c_str(), argv.data());
    _exit(127);
  }
  if (run.wait) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << run.exe << " " << run.argv.back() << " status " << status;
  }
  return pid;
}

// The trigger program under another name (proc.name comes from the path).
// Inside the build tree (allowlisted for the /tmp rule, see build_dir_allowlist).
std::string named(const std::string& name, const std::string& target = SECURITY_TRIGGER) {
  fs::path link = fs::path(KSIGHT_BINARY_DIR) / "tests/security/trigger-names" /
                  (fs::path(target).filename().string() + "-as") / name;
  fs::create_directories(link.parent_path());
  if (!fs::is_symlink(link)) fs::create_symlink(target, link);
  return link.string();
}

Run trigger(std::vector<std::string> args, bool container = false) {
  args.insert(args.begin(), "security_trigger");
  return Run{SECURITY_TRIGGER, args, container};
}

std::string tracepoint_missing(const char* name) {
  for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    if (fs::exists(fs::path(root) / "events/syscalls" / name)) return "";
  }
  return name;
}

struct RuleCase {
  std::string rule;
  std::function<Run()> attack;
  std::function<Run()> benign;  // a look-alike that must not fire
  std::map<std::string, std::string> fields;
  const char* needs_tracepoint = nullptr;  // skip (loudly) when absent
};

// Test names in ctest show the rule, not the struct's bytes.
void PrintTo(const RuleCase& c, std::ostream* os) {
  *os << c.rule;
}

std::string tmp(const std::string& name) {
  return (g_dir / name).string();
}

std::vector<RuleCase> cases() {
  const std::string sh = "/bin/sh", truebin = "/bin/true";
  return {
      {"Terminal Shell In Container",
       [=] {
         return Run{sh, {"sh", "-c", "true"}, true, true};
       },
       [=] {
         return Run{sh, {"sh", "-c", "true"}, true, false};
       },
       {{"proc.name", "sh"}}},
      {"Shell Spawned By Server Process",
       [=] {
         return Run{named("nginx"), {"nginx", "spawn", sh, "sh", "-c", "true"}};
       },
       [=] {
         return Run{named("builder"), {"builder", "spawn", sh, "sh", "-c", "true"}};
       },
       {{"proc.name", "sh"}, {"proc.pname", "nginx"}}},
      {"Read Sensitive File By Untrusted Process",
       [] {
         return trigger({"read", "/etc/shadow"});
       },
       [] {
         return Run{named("passwd"), {"passwd", "read", "/etc/shadow"}};
       },
       {{"fd.name", "/etc/shadow"}, {"proc.name", "security_trigge"}}},
      {"Write Below Etc",
       [] {
         return trigger({"unlink", "/etc/ksight-trigger.conf"});
       },
       [] {
         return trigger({"unlink", tmp("etc-lookalike.conf")});
       },
       {{"fd.name", "/etc/ksight-trigger.conf"}}},
      {"Write Below Binary Directory",
       [] {
         return trigger({"unlink", "/usr/local/bin/ksight-trigger"});
       },
       [] {
         return Run{named("dpkg"), {"dpkg", "unlink", "/usr/local/bin/ksight-trigger"}};
       },
       {{"fd.name", "/usr/local/bin/ksight-trigger"}}},
      {"Execution From Temporary Directory",
       [] {
         return Run{tmp("tmpbin/true"), {"true"}};
       },
       [=] {
         return Run{truebin, {"true"}};
       },
       {{"proc.exepath", tmp("tmpbin/true")}}},
      {"Fileless Execution Via Memfd",
       [] { return trigger({"memfd"}); },
       [] { return trigger({"exec"}); },
       {}},
      {"Kernel Module Loaded",
       [] { return trigger({"module"}); },
       [] {
         return Run{named("modprobe"), {"modprobe", "module"}};
       },
       {{"proc.name", "security_trigge"}},
       "sys_enter_finit_module"},
      {"Ptrace Attach To Process",
       [] { return trigger({"ptrace"}); },
       [] { return trigger({"kill"}); },
       {{"proc.name", "security_trigge"}}},
      {"Setuid To Root By Non-Root Process",
       [] { return trigger({"setuid-up"}); },
       [] {
         return Run{named("sudo"), {"sudo", "setuid-up"}};
       },
       {{"proc.name", "security_trigge"}}},
      {"Reverse Shell Socket Redirect",
       [] { return trigger({"dup"}); },
       [] {
         return trigger({"connect-to", "127.0.0.1", "1"});
       },
       {{"proc.name", "security_trigge"}}},
      {"Outbound Connection To Miner Or C2 Port",
       [] {
         return trigger({"connect-to", "127.0.0.2", "4444"});
       },
       [] {
         return trigger({"connect-to", "127.0.0.2", "8080"});
       },
       {{"fd.rport", "4444"}, {"proc.name", "security_trigge"}}},
      {"Netcat With Exec Option",
       [=] {
         return Run{named("nc", truebin), {"nc", "-e", "/bin/sh", "127.0.0.1", "1"}};
       },
       [=] {
         return Run{named("nc", truebin), {"nc", "-vz", "127.0.0.1", "1"}};
       },
       {{"proc.cmdline", "nc -e /bin/sh 127.0.0.1 1"}}},
      {"Log File Truncated",
       [] {
         return trigger({"truncate", "/var/log/ksight-trigger.log"});
       },
       [] {
         return Run{named("logrotate"), {"logrotate", "truncate", "/var/log/ksight-trigger.log"}};
       },
       {{"fd.name", "/var/log/ksight-trigger.log"}}},
      {"Log File Deleted",
       [] {
         return trigger({"unlink", "/var/log/ksight-trigger-del.log"});
       },
       [] {
         return trigger({"unlink", tmp("not-a-log.log")});
       },
       {{"fd.name", "/var/log/ksight-trigger-del.log"}}},
      {"Shell History Tampered",
       [] {
         return trigger({"unlink", tmp(".bash_history")});
       },
       [] {
         return trigger({"unlink", tmp("bash_history.txt")});
       },
       {{"fd.name", tmp(".bash_history")}}},
      {"BPF Program Loaded By Unexpected Process",
       [] { return trigger({"bpf"}); },
       [] {
         return Run{named("bpftool"), {"bpftool", "bpf"}};
       },
       {{"proc.name", "security_trigge"}}},
      {"Mount Inside Container",
       [] {
         return trigger({"mount", tmp("mnt")}, true);
       },
       [] {
         return trigger({"mount", tmp("mnt")});
       },
       {{"evt.arg.fstype", "tmpfs"}}},
      {"Package Manager In Container",
       [=] {
         return Run{named("apt-get", truebin), {"apt-get", "install", "nmap"}, true};
       },
       [=] {
         return Run{named("apt-get", truebin), {"apt-get", "install", "nmap"}};
       },
       {{"proc.cmdline", "apt-get install nmap"}, {"container.id", "4b5e1d2c3a4f"}}},
      {"Container Escape Via Release Agent",
       [] {
         return trigger({"unlink", tmp("release_agent")});
       },
       [] {
         return trigger({"unlink", tmp("release_agent.bak")});
       },
       {{"fd.name", tmp("release_agent")}}},
      {"Container Runtime Socket Accessed From Container",
       [] {
         return trigger({"connect-unix", "/run/containerd/containerd.sock"}, true);
       },
       [] {
         return trigger({"connect-unix", "/run/containerd/containerd.sock"});
       },
       {{"fd.name", "/run/containerd/containerd.sock"}}},
      {"Search For Private Keys Or Credentials",
       [=] {
         return Run{named("grep", truebin), {"grep", "-r", "id_rsa", "/home"}};
       },
       [=] {
         return Run{named("grep", truebin), {"grep", "-r", "TODO", "/home"}};
       },
       {{"proc.cmdline", "grep -r id_rsa /home"}}},
      {"Setuid Or Setgid Bit Set",
       [] {
         return trigger({"chmod", tmp("suid-bin"), "4755"});
       },
       [] {
         return trigger({"chmod", tmp("plain-bin"), "0755"});
       },
       {{"proc.name", "security_trigge"}}},
      {"Burst Of Failed Connections",
       [] {
         return trigger({"connect-many", "1", "80"});
       },
       [] {
         return trigger({"connect-many", "1", "20"});
       },
       {}},
      {"Burst Of Process Executions",
       [] {
         return trigger({"storm-exec", "400"});
       },
       [] {
         return trigger({"storm-exec", "50"});
       },
       {}},
  };
}

class RuleTriggers : public ::testing::TestWithParam<RuleCase> {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    fs::create_directories(g_dir / "tmpbin");
    fs::create_directories(g_dir / "mnt");
    fs::copy_file("/bin/true", g_dir / "tmpbin/true");
    fs::path root = fs::exists("/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified"
                                                                      : "/sys/fs/cgroup";
    g_cgroup = root / "docker" / kContainerId;
    fs::create_directories(g_cgroup);
    listeners();
    pipeline_ = new RulePipeline();
    // The sentinel stays in the container so its cgroup resolves while it exists.
    sentinel_ = start(
        {SECURITY_TRIGGER, {"security_trigger", "open-rel", g_dir.string()}, true, false, false});
    if (!pipeline_->wait_container(sentinel_)) ADD_FAILURE() << "the fake container never resolved";
  }
  static void TearDownTestSuite() {
    if (sentinel_ > 0) {
      kill(sentinel_, SIGKILL);
      waitpid(sentinel_, nullptr, 0);
    }
    delete pipeline_;
    pipeline_ = nullptr;
    for (int fd : listen_fds_) close(fd);
    if (!g_cgroup.empty()) rmdir(g_cgroup.c_str());
    if (!g_dir.empty()) fs::remove_all(g_dir);
  }
  // Listeners on 127.0.0.2 so miner-port and look-alike connects succeed
  // (the rule counts attempts, not refusals).
  static void listeners() {
    for (int port : {4444, 8080}) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
      if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) listen(fd, 16);
      listen_fds_.push_back(fd);
    }
  }
  static RulePipeline* pipeline_;
  static pid_t sentinel_;
  static std::vector<int> listen_fds_;
};
RulePipeline* RuleTriggers::pipeline_ = nullptr;
pid_t RuleTriggers::sentinel_ = 0;
std::vector<int> RuleTriggers::listen_fds_;

std::string field(const rules::Alert& a, const std::string& name) {
  for (const auto& f : a.output_fields) {
    if (f.name == name) return f.value;
  }
  return "<missing>";
}

TEST_P(RuleTriggers, FiresForTheAttackNotForTheLookAlike) {
  if (geteuid() != 0) GTEST_SKIP() << "kernel tier needs root";
  const RuleCase& c = GetParam();
  if (c.needs_tracepoint) {
    std::string missing = tracepoint_missing(c.needs_tracepoint);
    if (!missing.empty()) {
      GTEST_SKIP() << "KERNEL REFUSES: tracepoint syscalls/" << missing
                   << " does not exist on this kernel (no module support), so '" << c.rule
                   << "' cannot fire live here; covered from synthetic events in "
                      "tests/rules/default_rules_test.cpp";
    }
  }
  ASSERT_NE(pipeline_, nullptr);
  pid_t benign = start(c.benign());
  pid_t attack = start(c.attack());
  // One of its alerts (a trigger may act more than once) has the fields.
  auto has_fields = [&](const rules::Alert& a) {
    for (const auto& [name, value] : c.fields) {
      if (field(a, name) != value) return false;
    }
    return true;
  };
  bool fired_right = pipeline_->wait_alert(c.rule, attack, has_fields);
  auto alerts = pipeline_->alerts(c.rule, attack);
  ASSERT_FALSE(alerts.empty()) << "'" << c.rule << "' did not fire";
  EXPECT_TRUE(fired_right) << "fields differ; first alert: " << rules::alert_to_json(alerts[0]);
  // Exactly that rule: no other default rule fired for the attack process.
  std::set<std::string> fired = pipeline_->rules_for(attack);
  EXPECT_EQ(fired, std::set<std::string>{c.rule});
  // The look-alike ran first; its events are already through the engine.
  EXPECT_TRUE(pipeline_->alerts(c.rule, benign).empty()) << "look-alike fired '" << c.rule << "'";
}

std::string case_name(const ::testing::TestParamInfo<RuleCase>& info) {
  std::string name;
  for (char ch : info.param.rule) {
    if (std::isalnum(static_cast<unsigned char>(ch))) name += ch;
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(DefaultRules, RuleTriggers, ::testing::ValuesIn(cases()), case_name);

// The guard: a rule added to the default file without a trigger case fails here.
TEST(RuleTriggersGuard, EveryDefaultRuleHasATriggerCase) {
  auto result =
      rules::load_rules({{rules::kDefaultRulesName, std::string(rules::default_rules_yaml())}});
  ASSERT_TRUE(result.ok());
  std::set<std::string> covered;
  for (const auto& c : cases()) covered.insert(c.rule);
  for (const auto& rule : result.rules->rules()) {
    EXPECT_TRUE(covered.count(rule.name))
        << "no trigger case for default rule '" << rule.name << "'";
  }
  EXPECT_EQ(covered.size(), result.rules->rules().size());
}

}  // namespace
}  // namespace ksight::agent::testing
