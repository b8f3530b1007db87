#pragma once
// The decoded security event: one C++ value per ring-buffer record of
// bpf/security.bpf.c, close to what the rules engine asks of an event.
// Plain data; which fields a record uses depends on its kind (see below),
// the rest keep their defaults.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ksight::agent {

// Record kinds. Values are the ABI event types of bpf/security.h.
enum class SecurityEventKind : uint32_t {
  kUnknown = 0,
  kProcessExit = 150,
  kExec = 300,
  kOpen = 301,
  kConnect = 302,
  kAccept = 303,
  kPtrace = 304,
  kModule = 305,
  kSetId = 306,
  kMemfd = 307,
  kMount = 308,
  kUnlink = 309,
  kRename = 310,
  kChmod = 311,
  kChown = 312,
  kBpf = 313,
  kDup = 314,
  kKill = 315,
};

// The syscall behind a record. Values are enum ksight_sec_syscall.
enum class SecuritySyscall : uint16_t {
  kNone = 0,
  kExecve,
  kExecveat,
  kOpen,
  kOpenat,
  kOpenat2,
  kCreat,
  kConnect,
  kAccept,
  kAccept4,
  kPtrace,
  kInitModule,
  kFinitModule,
  kSetuid,
  kSetgid,
  kSetreuid,
  kSetregid,
  kSetresuid,
  kSetresgid,
  kMemfdCreate,
  kMount,
  kUnlink,
  kUnlinkat,
  kRename,
  kRenameat,
  kRenameat2,
  kChmod,
  kFchmod,
  kFchmodat,
  kChown,
  kFchown,
  kFchownat,
  kLchown,
  kBpf,
  kDup2,
  kDup3,
  kKill,
  kExit,
  kCount,
};

std::string_view security_kind_name(SecurityEventKind kind);  // "exec", "open", ...
std::string_view security_syscall_name(SecuritySyscall sc);   // "openat", "procexit", ...

// Which strings BPF had to cut (bpf/security.h KSIGHT_SEC_T_*).
struct SecurityTruncation {
  bool path = false;   // path / filename / source / oldpath
  bool path2 = false;  // target / newpath / module params
  bool args = false;   // argv entries or bytes
  bool name = false;   // exe / memfd / module / fstype name
};

// A socket's endpoints, addresses as text ("10.0.0.1", "::1").
struct SecuritySocket {
  uint16_t family = 0;  // AF_INET, AF_INET6, AF_UNIX, 0 = not a socket / unknown
  uint16_t type = 0;    // SOCK_STREAM, SOCK_DGRAM, ...
  uint16_t protocol = 0;
  std::string local_addr;
  uint16_t local_port = 0;
  std::string remote_addr;
  uint16_t remote_port = 0;
  std::string unix_path;
};

inline constexpr int32_t kAtFdcwd = -100;

struct SecurityEventRecord {
  SecurityEventKind kind = SecurityEventKind::kUnknown;
  SecuritySyscall syscall = SecuritySyscall::kNone;
  uint64_t boot_time_ns = 0;  // CLOCK_BOOTTIME from BPF
  uint64_t wall_time_ns = 0;  // since the Unix epoch (filled by the pipeline)
  int64_t res = 0;            // syscall return; -errno on failure

  // The calling task.
  uint32_t pid = 0;  // thread group id
  uint32_t tid = 0;
  uint32_t ppid = 0;
  uint32_t uid = 0, gid = 0, euid = 0, egid = 0;
  uint32_t loginuid = 0xffffffff;  // unset
  bool has_loginuid = false;
  uint32_t tty = 0;  // tty_nr, 0 = none
  uint64_t cgroup_id = 0;
  uint64_t cap_effective = 0;
  std::string comm;
  bool is_exe_from_memfd = false;
  SecurityTruncation truncated;

  // exec: filename as passed, argv, the new image's exe name (dentry basename),
  // exe (best absolute path), cwd (from /proc when still readable).
  std::string filename;
  std::vector<std::string> argv;
  std::string exe_name;
  std::string exe;
  std::string cwd;

  // File syscalls. path: open/unlink/chmod/chown path, rename's old path,
  // mount source. path2: rename's new path, mount target. resolved_*: the
  // absolute form when the record allowed it (empty when unresolvable).
  std::string path, path2;
  std::string resolved_path, resolved_path2;
  int32_t dirfd = kAtFdcwd, dirfd2 = kAtFdcwd;
  uint64_t flags = 0;    // open/unlink/rename/chmod/chown/mount/memfd/accept4/dup3/execveat flags
  uint32_t mode = 0;     // open/chmod mode, dup: i_mode of the old fd's inode
  uint64_t resolve = 0;  // openat2
  std::string fstype;    // mount
  std::string name;      // memfd name, finit_module file name, bpf prog name
  std::string params;    // module parameters

  // fd-based syscalls: connect/accept/dup/fchmod/fchown/finit_module fd,
  // dup's newfd in fd2.
  int32_t fd = -1, fd2 = -1;
  SecuritySocket sock;  // connect/accept/dup of a socket

  std::array<uint32_t, 3> ids{};  // setuid family, argument order
  uint32_t nids = 0;
  uint32_t owner_uid = 0xffffffff, owner_gid = 0xffffffff;  // chown targets

  int64_t ptrace_request = 0;
  int32_t target_pid = 0;  // ptrace / kill
  uint64_t ptrace_addr = 0;
  int32_t signal = 0;       // kill
  uint64_t module_len = 0;  // init_module
  int32_t bpf_cmd = -1;
  uint32_t bpf_prog_type = 0, bpf_insn_cnt = 0;
  int32_t exit_code = 0;  // raw wait status

  bool failed() const { return res < 0; }
  bool old_fd_is_socket() const { return (mode & 0170000) == 0140000; }
};

}  // namespace ksight::agent
