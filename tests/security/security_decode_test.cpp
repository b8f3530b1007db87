#include "agent/security_decode.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "agent/security_pipeline.h"
#include "security_record_builder.h"

namespace ksight::agent {
namespace {

using testing::bytes_of;
using testing::make_record;
using testing::set_argv;
using testing::set_str;

SecurityEventRecord decode_ok(const std::vector<std::byte>& bytes) {
  SecurityEventRecord rec;
  auto result = decode_security_record(bytes, rec);
  EXPECT_TRUE(result.ok()) << security_decode_error_name(result.error);
  return rec;
}

TEST(SecurityDecode, ExecCarriesArgvExeAndCommonFields) {
  auto e = make_record<ksight_sec_exec_event>(KSIGHT_EVENT_SEC_EXEC, KSIGHT_SC_EXECVE, 0);
  e.dirfd = -100;
  set_str(e.filename, "/bin/true");
  set_str(e.exe_name, "true");
  set_argv(e, {"/bin/true", "--alpha", "beta gamma"});
  e.c.ctx.tty = 34816;
  e.c.ctx.flags = KSIGHT_SEC_F_EXE_FROM_MEMFD | KSIGHT_SEC_F_HAS_LOGINUID;
  e.c.ctx.loginuid = 1000;
  e.c.ctx.cap_effective = 0x1ff;

  SecurityEventRecord r = decode_ok(bytes_of(e));
  EXPECT_EQ(r.kind, SecurityEventKind::kExec);
  EXPECT_EQ(r.syscall, SecuritySyscall::kExecve);
  EXPECT_EQ(r.filename, "/bin/true");
  EXPECT_EQ(r.exe_name, "true");
  EXPECT_EQ(r.argv, (std::vector<std::string>{"/bin/true", "--alpha", "beta gamma"}));
  EXPECT_EQ(join_args(r.argv), "--alpha beta gamma");
  EXPECT_EQ(r.pid, 4242u);
  EXPECT_EQ(r.tid, 4243u);
  EXPECT_EQ(r.comm, "tester");
  EXPECT_EQ(r.uid, 1000u);
  EXPECT_EQ(r.gid, 1001u);
  EXPECT_EQ(r.ppid, 1u);
  EXPECT_EQ(r.cgroup_id, 77u);
  EXPECT_EQ(r.tty, 34816u);
  EXPECT_TRUE(r.is_exe_from_memfd);
  EXPECT_TRUE(r.has_loginuid);
  EXPECT_EQ(r.loginuid, 1000u);
  EXPECT_EQ(r.cap_effective, 0x1ffu);
  EXPECT_FALSE(r.truncated.args);
}

TEST(SecurityDecode, ExecCwdAndExePathFromComponents) {
  using namespace std::string_view_literals;
  auto e = make_record<ksight_sec_exec_event>(KSIGHT_EVENT_SEC_EXEC, KSIGHT_SC_EXECVE, 0);
  auto cwd = "project\0alice\0home\0"sv;
  std::memcpy(e.cwd, cwd.data(), cwd.size());
  e.cwd_len = cwd.size();
  auto exe = "true\0bin\0usr\0"sv;
  std::memcpy(e.exe_path, exe.data(), exe.size());
  e.exe_path_len = exe.size();
  SecurityEventRecord r = decode_ok(bytes_of(e));
  EXPECT_EQ(r.cwd, "/home/alice/project");
  EXPECT_EQ(r.exe, "/usr/bin/true");

  e.cwd_len = 0;                     // the root directory
  e.c.ctx.trunc = KSIGHT_SEC_T_EXE;  // a cut walk is not trusted
  r = decode_ok(bytes_of(e));
  EXPECT_EQ(r.cwd, "/");
  EXPECT_EQ(r.exe, "");
  EXPECT_EQ(path_from_components(""), "/");
  EXPECT_EQ(path_from_components("b\0a\0"sv), "/a/b");
}

TEST(SecurityDecode, ExecTruncationFlagsAndFullBuffer) {
  auto e = make_record<ksight_sec_exec_event>(KSIGHT_EVENT_SEC_EXEC, KSIGHT_SC_EXECVEAT, -2);
  // args_len claims more than the logical maximum: clamped, no overrun.
  std::memset(e.args, 'a', sizeof(e.args));
  e.args_len = KSIGHT_SEC_ARGS_BUF;
  e.c.ctx.trunc = KSIGHT_SEC_T_ARGS | KSIGHT_SEC_T_PATH;
  set_str(e.filename, std::string(KSIGHT_SEC_PATH_LEN, 'f'));  // no NUL at all

  SecurityEventRecord r = decode_ok(bytes_of(e));
  EXPECT_EQ(r.syscall, SecuritySyscall::kExecveat);
  EXPECT_EQ(r.res, -2);
  EXPECT_TRUE(r.failed());
  ASSERT_EQ(r.argv.size(), 1u);
  EXPECT_EQ(r.argv[0].size(), size_t{KSIGHT_SEC_ARGS_LEN});
  EXPECT_EQ(r.filename.size(), size_t{KSIGHT_SEC_PATH_LEN});
  EXPECT_TRUE(r.truncated.args);
  EXPECT_TRUE(r.truncated.path);
  EXPECT_FALSE(r.truncated.name);
}

TEST(SecurityDecode, OpenFields) {
  auto e = make_record<ksight_sec_open_event>(KSIGHT_EVENT_SEC_OPEN, KSIGHT_SC_OPENAT2, 3);
  e.dirfd = 5;
  e.flags = 01 | 0100;
  e.mode = 0644;
  e.resolve = 0x8;
  set_str(e.path, "rel/file");
  SecurityEventRecord r = decode_ok(bytes_of(e));
  EXPECT_EQ(r.kind, SecurityEventKind::kOpen);
  EXPECT_EQ(r.dirfd, 5);
  EXPECT_EQ(r.flags, 0101u);
  EXPECT_EQ(r.mode, 0644u);
  EXPECT_EQ(r.resolve, 8u);
  EXPECT_EQ(r.path, "rel/file");
  EXPECT_EQ(r.res, 3);
}

TEST(SecurityDecode, ConnectIpv4AndIpv6AndUnix) {
  auto e = make_record<ksight_sec_connect_event>(KSIGHT_EVENT_SEC_CONNECT, KSIGHT_SC_CONNECT, -111);
  e.fd = 3;
  e.addr.family = AF_INET;
  e.addr.type = SOCK_STREAM;
  e.addr.remote_port = 4444;
  e.addr.local_port = 40000;
  inet_pton(AF_INET, "127.0.0.1", e.addr.remote_addr);
  inet_pton(AF_INET, "10.1.2.3", e.addr.local_addr);
  SecurityEventRecord r = decode_ok(bytes_of(e));
  EXPECT_EQ(r.sock.family, AF_INET);
  EXPECT_EQ(r.sock.remote_addr, "127.0.0.1");
  EXPECT_EQ(r.sock.remote_port, 4444);
  EXPECT_EQ(r.sock.local_addr, "10.1.2.3");
  EXPECT_EQ(r.sock.local_port, 40000);
  EXPECT_EQ(r.res, -111);

  std::memset(&e.addr, 0, sizeof(e.addr));
  e.addr.family = AF_INET6;
  inet_pton(AF_INET6, "::1", e.addr.remote_addr);
  r = decode_ok(bytes_of(e));
  EXPECT_EQ(r.sock.remote_addr, "::1");

  std::memset(&e.addr, 0, sizeof(e.addr));
  e.addr.family = AF_UNIX;
  set_str(e.addr.unix_path, "/run/docker.sock");
  r = decode_ok(bytes_of(e));
  EXPECT_EQ(r.sock.unix_path, "/run/docker.sock");
  EXPECT_TRUE(r.sock.remote_addr.empty());
}

TEST(SecurityDecode, DupOfSocket) {
  auto e = make_record<ksight_sec_dup_event>(KSIGHT_EVENT_SEC_DUP, KSIGHT_SC_DUP2, 1);
  e.oldfd = 3;
  e.newfd = 1;
  e.old_mode = 0140777;
  e.addr.family = AF_INET;
  e.addr.remote_port = 9001;
  SecurityEventRecord r = decode_ok(bytes_of(e));
  EXPECT_EQ(r.fd, 3);
  EXPECT_EQ(r.fd2, 1);
  EXPECT_TRUE(r.old_fd_is_socket());
  EXPECT_EQ(r.sock.remote_port, 9001);
  e.old_mode = 0100644;
  EXPECT_FALSE(decode_ok(bytes_of(e)).old_fd_is_socket());
}

TEST(SecurityDecode, SetIdKeepsOnlyItsArguments) {
  auto e = make_record<ksight_sec_setid_event>(KSIGHT_EVENT_SEC_SETID, KSIGHT_SC_SETUID, 0);
  e.ids[0] = 0;
  e.ids[1] = 555;  // garbage in unused argument registers
  e.nids = 1;
  SecurityEventRecord r = decode_ok(bytes_of(e));
  EXPECT_EQ(r.nids, 1u);
  EXPECT_EQ(r.ids[0], 0u);
  EXPECT_EQ(r.ids[1], 0xffffffffu);
}

TEST(SecurityDecode, OtherRecordKinds) {
  auto m = make_record<ksight_sec_mount_event>(KSIGHT_EVENT_SEC_MOUNT, KSIGHT_SC_MOUNT, 0);
  set_str(m.source, "none");
  set_str(m.target, "/mnt/x");
  set_str(m.fstype, "tmpfs");
  m.flags = 1;
  SecurityEventRecord r = decode_ok(bytes_of(m));
  EXPECT_EQ(r.path, "none");
  EXPECT_EQ(r.path2, "/mnt/x");
  EXPECT_EQ(r.fstype, "tmpfs");

  auto k = make_record<ksight_sec_kill_event>(KSIGHT_EVENT_SEC_KILL, KSIGHT_SC_KILL, 0);
  k.pid = 99;
  k.sig = 9;
  r = decode_ok(bytes_of(k));
  EXPECT_EQ(r.target_pid, 99);
  EXPECT_EQ(r.signal, 9);

  auto b = make_record<ksight_sec_bpf_event>(KSIGHT_EVENT_SEC_BPF, KSIGHT_SC_BPF, -1);
  b.cmd = 5;
  b.prog_type = 1;
  set_str(b.prog_name, "probe");
  r = decode_ok(bytes_of(b));
  EXPECT_EQ(r.bpf_cmd, 5);
  EXPECT_EQ(r.bpf_prog_type, 1u);
  EXPECT_EQ(r.name, "probe");

  auto x = make_record<ksight_sec_exit_event>(KSIGHT_EVENT_SEC_PROC_EXIT, KSIGHT_SC_EXIT, 0);
  x.exit_code = 3 << 8;
  r = decode_ok(bytes_of(x));
  EXPECT_EQ(r.kind, SecurityEventKind::kProcessExit);
  EXPECT_EQ(r.exit_code, 768);

  auto rn = make_record<ksight_sec_rename_event>(KSIGHT_EVENT_SEC_RENAME, KSIGHT_SC_RENAMEAT2, 0);
  rn.olddirfd = -100;
  rn.newdirfd = 7;
  set_str(rn.oldpath, "a");
  set_str(rn.newpath, "b");
  r = decode_ok(bytes_of(rn));
  EXPECT_EQ(r.path, "a");
  EXPECT_EQ(r.path2, "b");
  EXPECT_EQ(r.dirfd2, 7);
}

TEST(SecurityDecode, RejectsMalformedRecords) {
  SecurityEventRecord r;
  std::vector<std::byte> tiny(10);
  EXPECT_EQ(decode_security_record(tiny, r).error, SecurityDecodeError::kTooShort);

  auto k = make_record<ksight_sec_kill_event>(KSIGHT_EVENT_SEC_KILL, KSIGHT_SC_KILL, 0);
  k.c.hdr.type = 42;
  EXPECT_EQ(decode_security_record(bytes_of(k), r).error, SecurityDecodeError::kUnknownType);

  k.c.hdr.type = KSIGHT_EVENT_SEC_OPEN;  // kill-sized bytes claiming to be an open
  EXPECT_EQ(decode_security_record(bytes_of(k), r).error, SecurityDecodeError::kSizeMismatch);

  // Ring buffer padding after the record is fine.
  k.c.hdr.type = KSIGHT_EVENT_SEC_KILL;
  auto padded = bytes_of(k);
  padded.resize(padded.size() + 8);
  EXPECT_TRUE(decode_security_record(padded, r).ok());
}

TEST(SecurityDecode, SplitArgv) {
  using namespace std::string_view_literals;
  EXPECT_EQ(split_argv("a\0b\0"sv), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split_argv("a\0\0c"sv), (std::vector<std::string>{"a", "", "c"}));
  EXPECT_TRUE(split_argv("").empty());
  EXPECT_EQ(join_args({"sh", "-c", "id"}), "-c id");
  EXPECT_EQ(join_args({"sh", "-c", "id"}, 0), "sh -c id");
  EXPECT_EQ(join_args({"sh"}), "");
}

TEST(SecurityPipeline, CountsAndForwards) {
  std::vector<SecurityEventRecord> seen;
  SecurityPipeline pipeline([&](const SecurityEventRecord& r) { seen.push_back(r); }, nullptr);
  pipeline.set_boot_to_wall_offset_ns(5000);
  auto k = make_record<ksight_sec_kill_event>(KSIGHT_EVENT_SEC_KILL, KSIGHT_SC_KILL, 0);
  EXPECT_TRUE(pipeline.handle(bytes_of(k)));
  EXPECT_TRUE(pipeline.handle(bytes_of(k)));
  k.c.hdr.size = 1;
  EXPECT_FALSE(pipeline.handle(bytes_of(k)));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].wall_time_ns, 6000u);
  SecurityStats stats = pipeline.stats();
  EXPECT_EQ(stats.events_total, 2u);
  EXPECT_EQ(stats.events_by_syscall["kill"], 2u);
  EXPECT_EQ(stats.decode_errors["size_mismatch"], 1u);
}

}  // namespace
}  // namespace ksight::agent
