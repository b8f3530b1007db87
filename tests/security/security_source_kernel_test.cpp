// Kernel tier: the real bpf/security.bpf.c programs against trigger
// programs that do each security-relevant thing for real. Every test
// asserts the exact event (fields and result) for the trigger's pid.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "agent/security_names.h"
#include "agent/security_rules_source.h"
#include "agent/security_to_rules.h"
#include "common/error.h"
#include "security_harness.h"

namespace ksight::agent {
namespace {

using testing::SecurityHarness;
using Record = SecurityEventRecord;

class SecuritySourceKernel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    harness_ = new SecurityHarness();
    try {
      harness_->start();
    } catch (const Error& e) {
      skip_reason_ = e.what();
      delete harness_;
      harness_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete harness_;
    harness_ = nullptr;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "kernel tier needs root";
    if (!harness_) GTEST_SKIP() << "security source did not start: " << skip_reason_;
    dir_ = std::filesystem::temp_directory_path() /
           ("ksight-security-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  static SecurityHarness& h() { return *harness_; }
  static SecurityHarness* harness_;
  static std::string skip_reason_;
  std::filesystem::path dir_;
};

SecurityHarness* SecuritySourceKernel::harness_ = nullptr;
std::string SecuritySourceKernel::skip_reason_;

auto of(pid_t pid, SecuritySyscall sc) {
  return [pid, sc](const Record& r) { return r.pid == uint32_t(pid) && r.syscall == sc; };
}

int exit_status(const testing::TriggerResult& t) {
  return WIFEXITED(t.status) ? WEXITSTATUS(t.status) : -1;
}

TEST_F(SecuritySourceKernel, ExecveWithArgv) {
  auto t = h().run({"exec"});
  ASSERT_EQ(exit_status(t), 0);
  auto e = h().wait_for([&](const Record& r) {
    return r.pid == uint32_t(t.pid) && r.kind == SecurityEventKind::kExec &&
           r.filename == "/bin/true";
  });
  ASSERT_TRUE(e) << "no execve of /bin/true from " << t.pid;
  EXPECT_EQ(e->syscall, SecuritySyscall::kExecve);
  EXPECT_EQ(e->res, 0);
  EXPECT_EQ(e->argv, (std::vector<std::string>{"true", "ksight-marker", "second arg"}));
  EXPECT_EQ(e->comm, "true");  // the exit tracepoint sees the new image
  EXPECT_EQ(e->exe_name, "true");
  // The exe as the kernel resolved it (on merged-/usr systems /bin/true is
  // /usr/bin/true), and the cwd the trigger inherited from us.
  EXPECT_EQ(e->exe, std::filesystem::canonical("/bin/true").string());
  EXPECT_EQ(e->cwd, std::filesystem::current_path().string());
  EXPECT_EQ(e->ppid, uint32_t(getpid()));
  EXPECT_EQ(e->uid, 0u);
  EXPECT_FALSE(e->is_exe_from_memfd);
  EXPECT_FALSE(e->truncated.args);
  EXPECT_NE(e->cgroup_id, 0u);
  EXPECT_GT(e->wall_time_ns, 1600000000ull * 1000000000ull);
}

TEST_F(SecuritySourceKernel, FailedExecveKeepsArguments) {
  auto t = h().run({"exec-missing"});
  ASSERT_EQ(exit_status(t), 0);
  auto e = h().wait_for([&](const Record& r) {
    return r.pid == uint32_t(t.pid) && r.kind == SecurityEventKind::kExec && r.res < 0;
  });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->res, -ENOENT);
  EXPECT_EQ(e->filename, "/nonexistent/ksight-ghost");
  EXPECT_EQ(e->argv, (std::vector<std::string>{"ghost", "arg1"}));
  EXPECT_EQ(e->comm, "security_trigge");  // still the caller's image
}

TEST_F(SecuritySourceKernel, OpenatWithFlagsAndMode) {
  std::string path = (dir_ / "created.txt").string();
  auto t = h().run({"open", path});
  ASSERT_EQ(exit_status(t), 0);
  auto e = h().wait_for([&](const Record& r) {
    return r.pid == uint32_t(t.pid) && r.kind == SecurityEventKind::kOpen && r.path == path;
  });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->syscall, SecuritySyscall::kOpenat);
  EXPECT_GE(e->res, 0);
  EXPECT_EQ(e->flags & (O_ACCMODE | O_CREAT), uint64_t(O_WRONLY | O_CREAT));
  EXPECT_EQ(e->mode, 0640u);
  EXPECT_EQ(e->dirfd, kAtFdcwd);
  EXPECT_EQ(e->resolved_path, path);
  EXPECT_EQ(open_flags_text(e->flags), "O_WRONLY|O_CREAT");
}

TEST_F(SecuritySourceKernel, RelativeOpenResolvedAgainstCwd) {
  pid_t pid = h().spawn({"open-rel", dir_.string()});
  auto e = h().wait_for([&](const Record& r) {
    return r.pid == uint32_t(pid) && r.kind == SecurityEventKind::kOpen && r.path == "relative.txt";
  });
  kill(pid, SIGKILL);
  h().finish(pid);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->resolved_path, (dir_ / "relative.txt").string());
  EXPECT_EQ(open_flags_text(e->flags), "O_RDWR|O_CREAT|O_TRUNC");
}

// A loopback port nobody listens on (bound, then released).
int closed_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

TEST_F(SecuritySourceKernel, ConnectRefused) {
  int port = closed_port();
  auto t = h().run({"connect", std::to_string(port)});
  ASSERT_EQ(exit_status(t), 0);
  auto e = h().wait_for(of(t.pid, SecuritySyscall::kConnect));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->res, -ECONNREFUSED);
  EXPECT_EQ(errno_text(e->res), "ECONNREFUSED");
  EXPECT_EQ(e->sock.family, AF_INET);
  EXPECT_EQ(e->sock.type, SOCK_STREAM);
  EXPECT_EQ(e->sock.remote_addr, "127.0.0.1");
  EXPECT_EQ(e->sock.remote_port, port);
  EXPECT_GE(e->fd, 3);
}

TEST_F(SecuritySourceKernel, PtraceAttach) {
  auto t = h().run({"ptrace"});
  ASSERT_EQ(exit_status(t), 0);
  int child = std::stoi(t.output);
  auto e = h().wait_for([&](const Record& r) {
    return r.pid == uint32_t(t.pid) && r.syscall == SecuritySyscall::kPtrace &&
           r.ptrace_request == 16;
  });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->target_pid, child);
  EXPECT_EQ(e->res, 0);
  EXPECT_EQ(ptrace_request_text(e->ptrace_request), "PTRACE_ATTACH");
}

TEST_F(SecuritySourceKernel, SetuidFamily) {
  auto t = h().run({"setuid"});
  ASSERT_EQ(exit_status(t), 0);
  auto su = h().wait_for(of(t.pid, SecuritySyscall::kSetuid));
  auto sr = h().wait_for(of(t.pid, SecuritySyscall::kSetresuid));
  auto sg = h().wait_for(of(t.pid, SecuritySyscall::kSetgid));
  ASSERT_TRUE(su && sr && sg);
  EXPECT_EQ(su->nids, 1u);
  EXPECT_EQ(su->ids[0], 0u);
  EXPECT_EQ(su->res, 0);
  EXPECT_EQ(sr->nids, 3u);
  EXPECT_EQ(sr->ids, (std::array<uint32_t, 3>{0, 0, 0}));
  EXPECT_EQ(sg->ids[0], 0u);
}

TEST_F(SecuritySourceKernel, MemfdFexecveIsFileless) {
  auto t = h().run({"memfd"});
  ASSERT_EQ(exit_status(t), 0);
  auto m = h().wait_for(of(t.pid, SecuritySyscall::kMemfdCreate));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "ksight-test");
  EXPECT_EQ(memfd_flags_text(m->flags), "MFD_CLOEXEC");
  EXPECT_GE(m->res, 0);
  EXPECT_FALSE(m->is_exe_from_memfd);
  auto e = h().wait_for([&](const Record& r) {
    return r.pid == uint32_t(t.pid) && r.kind == SecurityEventKind::kExec && r.res == 0 &&
           r.is_exe_from_memfd;
  });
  ASSERT_TRUE(e) << "no exec from memfd";
  EXPECT_EQ(e->syscall, SecuritySyscall::kExecveat);
  EXPECT_EQ(e->exe_name.rfind("memfd:ksight-test", 0), 0u) << e->exe_name;
  EXPECT_EQ(e->argv, (std::vector<std::string>{"memfd-true"}));
  // A memfd's dentry has no parent to walk: the exe is its name.
  EXPECT_NE(e->exe.find("memfd:ksight-test"), std::string::npos) << e->exe;
  auto x = h().wait_for(of(t.pid, SecuritySyscall::kExit));
  ASSERT_TRUE(x);
  EXPECT_TRUE(x->is_exe_from_memfd);
}

TEST_F(SecuritySourceKernel, DupSocketOntoStdio) {
  auto t = h().run({"dup"});
  ASSERT_EQ(exit_status(t), 0);
  int port = 0, client_fd = -1;
  ASSERT_EQ(sscanf(t.output.c_str(), "%d %d", &port, &client_fd), 2) << t.output;
  // (The harness's own dup2 of the output pipe onto fd 1 comes first.)
  auto d2 = h().wait_for([&](const Record& r) {
    return r.pid == uint32_t(t.pid) && r.syscall == SecuritySyscall::kDup2 && r.fd2 == 0;
  });
  auto d3 = h().wait_for(of(t.pid, SecuritySyscall::kDup3));
  ASSERT_TRUE(d2 && d3);
  EXPECT_EQ(d2->fd, client_fd);
  EXPECT_EQ(d2->fd2, 0);
  EXPECT_EQ(d2->res, 0);
  EXPECT_TRUE(d2->old_fd_is_socket());
  EXPECT_EQ(d2->sock.family, AF_INET);
  EXPECT_EQ(d2->sock.remote_port, port);
  EXPECT_EQ(d2->sock.remote_addr, "127.0.0.1");
  EXPECT_EQ(d3->fd2, 1);
  EXPECT_EQ(d3->res, 1);
  EXPECT_TRUE(d3->old_fd_is_socket());

  auto a = h().wait_for(of(t.pid, SecuritySyscall::kAccept4));
  ASSERT_TRUE(a);
  EXPECT_GE(a->res, 0);
  EXPECT_EQ(a->flags, uint64_t(SOCK_CLOEXEC));
  EXPECT_EQ(a->sock.local_port, port);
  EXPECT_EQ(a->sock.local_addr, "127.0.0.1");
  EXPECT_NE(a->sock.remote_port, 0);
}

TEST_F(SecuritySourceKernel, KillSignalZero) {
  auto t = h().run({"kill"});
  ASSERT_EQ(exit_status(t), 0);
  auto e = h().wait_for(of(t.pid, SecuritySyscall::kKill));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->target_pid, t.pid);
  EXPECT_EQ(e->signal, 0);
  EXPECT_EQ(e->res, 0);
}

TEST_F(SecuritySourceKernel, MountTmpfsInPrivateNamespace) {
  auto t = h().run({"mount", dir_.string()});
  if (exit_status(t) != 0) GTEST_SKIP() << "unshare/mount not possible here";
  auto e = h().wait_for([&](const Record& r) {
    return r.pid == uint32_t(t.pid) && r.syscall == SecuritySyscall::kMount && r.fstype == "tmpfs";
  });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, "ksight-tmpfs");
  EXPECT_EQ(e->path2, dir_.string());
  EXPECT_EQ(e->res, 0);
  EXPECT_EQ(mount_flags_text(e->flags), "MS_NOSUID|MS_NODEV");
}

TEST_F(SecuritySourceKernel, RenameChmodChownUnlink) {
  auto t = h().run({"fileops", dir_.string()});
  ASSERT_EQ(exit_status(t), 0);
  std::string a = (dir_ / "a").string(), b = (dir_ / "b").string();
  auto rn = h().wait_for(of(t.pid, SecuritySyscall::kRename));
  ASSERT_TRUE(rn);
  EXPECT_EQ(rn->path, a);
  EXPECT_EQ(rn->path2, b);
  EXPECT_EQ(rn->res, 0);
  auto cm = h().wait_for(of(t.pid, SecuritySyscall::kChmod));
  ASSERT_TRUE(cm);
  EXPECT_EQ(cm->path, b);
  EXPECT_EQ(cm->mode, 04755u);
  auto co = h().wait_for(of(t.pid, SecuritySyscall::kChown));
  ASSERT_TRUE(co);
  EXPECT_EQ(co->owner_uid, 1234u);
  EXPECT_EQ(co->owner_gid, 5678u);
  auto fm = h().wait_for(of(t.pid, SecuritySyscall::kFchmodat));
  ASSERT_TRUE(fm);
  EXPECT_EQ(fm->mode, 0600u);
  auto fo = h().wait_for(of(t.pid, SecuritySyscall::kFchownat));
  ASSERT_TRUE(fo);
  EXPECT_EQ(fo->owner_uid, 0u);
  auto ul = h().wait_for(of(t.pid, SecuritySyscall::kUnlink));
  ASSERT_TRUE(ul);
  EXPECT_EQ(ul->path, b);
  EXPECT_EQ(ul->res, 0);
  auto ua = h().wait_for(of(t.pid, SecuritySyscall::kUnlinkat));
  ASSERT_TRUE(ua);
  EXPECT_EQ(ua->res, -ENOENT);
  EXPECT_EQ(ua->resolved_path, b);
}

TEST_F(SecuritySourceKernel, BpfProgLoad) {
  auto t = h().run({"bpf"});
  ASSERT_EQ(exit_status(t), 0);
  auto e = h().wait_for([&](const Record& r) {
    return r.pid == uint32_t(t.pid) && r.syscall == SecuritySyscall::kBpf && r.bpf_cmd == 5;
  });
  ASSERT_TRUE(e);
  EXPECT_GE(e->res, 0);
  EXPECT_EQ(bpf_cmd_text(e->bpf_cmd), "BPF_PROG_LOAD");
  EXPECT_EQ(bpf_prog_type_text(e->bpf_prog_type), "BPF_PROG_TYPE_SOCKET_FILTER");
  EXPECT_EQ(e->bpf_insn_cnt, 2u);
  EXPECT_EQ(e->name, "ksight_trig");
}

TEST_F(SecuritySourceKernel, InitModuleAttemptIsSeen) {
  // Where the module tracepoints are missing (no module support), the
  // attempt is seen through the raw_syscalls fallback.
  SecuritySourceOptions options;
  options.families = family_bit(SecurityFamily::kModule) | family_bit(SecurityFamily::kExec);
  options.module_raw_fallback = true;
  testing::SecurityHarness modules(options);
  modules.start();
  auto t = modules.run({"module"});
  ASSERT_EQ(exit_status(t), 0);
  auto e = modules.wait_for(of(t.pid, SecuritySyscall::kInitModule));
  ASSERT_TRUE(e);
  EXPECT_LT(e->res, 0);
  EXPECT_EQ(e->module_len, 64u);
  EXPECT_EQ(e->params, "ksight=1");
  // Families left out are not loaded: the loader's opens of libc are not
  // reported by this source.
  EXPECT_TRUE(
      modules.matching([](const Record& r) { return r.kind == SecurityEventKind::kOpen; }).empty());
}

class NoRingBuffer : public KernelFeatures {
 public:
  FeatureStatus status(Feature f) override {
    if (f == Feature::kRingBuffer) return {false, "BPF_MAP_TYPE_RINGBUF: EINVAL"};
    return {true, ""};
  }
  KernelInfo info() override { return {}; }
};

TEST_F(SecuritySourceKernel, MissingFeatureIsAClearError) {
  NoRingBuffer features;
  SecuritySourceOptions options;
  options.features = &features;
  SecuritySource source(options, {});
  try {
    source.start();
    FAIL() << "started without a ring buffer";
  } catch (const CapabilityError& e) {
    EXPECT_NE(std::string(e.what()).find("ringbuf"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(source.running());
}

TEST_F(SecuritySourceKernel, AgentOwnSyscallsAreIgnored) {
  h().watch(getpid());
  std::string path = (dir_ / "self.txt").string();
  int fd = open(path.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  // A marker from a trigger proves the feed moved past our open.
  auto t = h().run({"kill"});
  ASSERT_TRUE(h().wait_for(of(t.pid, SecuritySyscall::kKill)));
  EXPECT_TRUE(h().matching([&](const Record& r) { return r.pid == uint32_t(getpid()); }).empty());
}

TEST_F(SecuritySourceKernel, ProcessExitCarriesStatus) {
  auto t = h().run({"no-such-action"});
  ASSERT_EQ(exit_status(t), 2);
  auto e = h().wait_for(of(t.pid, SecuritySyscall::kExit));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, SecurityEventKind::kProcessExit);
  EXPECT_EQ(e->exit_code, t.status);
}

TEST_F(SecuritySourceKernel, CountersAndNoLoss) {
  auto t = h().run({"kill"});
  ASSERT_TRUE(h().wait_for(of(t.pid, SecuritySyscall::kExit)));
  SecurityStats stats = h().stats();
  EXPECT_GT(stats.events_total, 0u);
  EXPECT_GT(stats.events_by_syscall["execve"], 0u);
  EXPECT_GT(stats.events_by_syscall["procexit"], 0u);
  EXPECT_TRUE(stats.decode_errors.empty());
  EXPECT_EQ(stats.lost.ringbuf_full, 0u);
  EXPECT_EQ(stats.lost.pending_full, 0u);
  EXPECT_GT(h().source().attached().size(), 30u);
}

// Real records through the rules adapter: what the engine's reverse-shell
// and fileless-exec rules look at.
TEST_F(SecuritySourceKernel, RulesEventsFromRealRecords) {
  auto t = h().run({"dup"});
  ASSERT_EQ(exit_status(t), 0);
  auto d2 = h().wait_for([&](const Record& r) {
    return r.pid == uint32_t(t.pid) && r.syscall == SecuritySyscall::kDup2 && r.fd2 == 0;
  });
  ASSERT_TRUE(d2);
  SecurityRulesConverter conv;
  for (const auto& r : h().matching([&](const Record& r) { return r.pid == uint32_t(t.pid); })) {
    if (r.kind == SecurityEventKind::kExec) conv.convert(r);
  }
  rules::SecurityEvent e = conv.convert(*d2);
  EXPECT_EQ(e.type, rules::EventType::kDup2);
  EXPECT_EQ(e.fd.type_char, '4');
  EXPECT_EQ(e.fd.dip, "127.0.0.1");
  EXPECT_EQ(e.fd.l4proto, "tcp");
  EXPECT_EQ(*e.arg("newfd"), "0");
  EXPECT_EQ(e.proc.args.at(1), "dup");
  EXPECT_EQ(e.proc.ancestors.at(0), conv.convert(*d2).proc.ancestors.at(0));
}

TEST_F(SecuritySourceKernel, RulesEventSourcePolls) {
  SecurityRulesSource live;
  live.start();
  auto t = h().run({"kill"});
  ASSERT_EQ(exit_status(t), 0);
  std::optional<rules::SecurityEvent> got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!got && std::chrono::steady_clock::now() < deadline) {
    live.poll(
        [&](const rules::SecurityEvent& e) {
          if (e.proc.pid == t.pid && e.type == rules::EventType::kKill) got = e;
        },
        50);
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(*got->arg("sig"), "0");
  EXPECT_EQ(*got->arg("pid"), std::to_string(t.pid));
  EXPECT_EQ(got->res, 0);
  EXPECT_EQ(live.lost(), 0u);
}

}  // namespace
}  // namespace ksight::agent
