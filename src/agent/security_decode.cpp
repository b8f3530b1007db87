#include "agent/security_decode.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <type_traits>

#include "security.h"

namespace ksight::agent {
namespace {

// The layout contract with bpf/security.h: what BPF writes is what we read.
static_assert(sizeof(ksight_event_header) == 48);
static_assert(sizeof(ksight_sec_ctx) == 56);
static_assert(offsetof(ksight_sec_common, ctx) == 48);
static_assert(sizeof(ksight_sec_common) == 104);
static_assert(sizeof(ksight_sec_sockaddr) == 160);
static_assert(offsetof(ksight_sec_exec_event, filename) == 120);
static_assert(offsetof(ksight_sec_exec_event, args) ==
              120 + KSIGHT_SEC_PATH_LEN + KSIGHT_SEC_NAME_LEN);
static_assert(offsetof(ksight_sec_open_event, path) == 128);
static_assert(offsetof(ksight_sec_connect_event, addr) == 112);
static_assert(offsetof(ksight_sec_dup_event, addr) == 120);
static_assert(sizeof(ksight_sec_kill_event) == 112);
static_assert(sizeof(ksight_sec_exit_event) == 112);
static_assert(offsetof(ksight_sec_exec_event, cwd) ==
              offsetof(ksight_sec_exec_event, args) + KSIGHT_SEC_ARGS_BUF + 8);

// A C string inside a fixed array: up to the first NUL or the array end.
template <size_t N>
std::string fixed_str(const char (&buf)[N]) {
  return std::string(buf, strnlen(buf, N));
}

template <typename T>
bool load(std::span<const std::byte> bytes, T& out) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (bytes.size() != sizeof(T)) return false;
  std::memcpy(&out, bytes.data(), sizeof(T));
  return true;
}

void decode_common(const ksight_sec_common& c, SecurityEventRecord& out) {
  out.kind = static_cast<SecurityEventKind>(c.hdr.type);
  out.boot_time_ns = c.hdr.timestamp_ns;
  out.pid = c.hdr.pid;
  out.tid = c.hdr.tid;
  out.cgroup_id = c.hdr.cgroup_id;
  out.comm = fixed_str(c.hdr.comm);
  const ksight_sec_ctx& x = c.ctx;
  out.uid = x.uid;
  out.gid = x.gid;
  out.euid = x.euid;
  out.egid = x.egid;
  out.ppid = x.ppid;
  out.loginuid = x.loginuid;
  out.has_loginuid = x.flags & KSIGHT_SEC_F_HAS_LOGINUID;
  out.tty = x.tty;
  out.is_exe_from_memfd = x.flags & KSIGHT_SEC_F_EXE_FROM_MEMFD;
  out.cap_effective = x.cap_effective;
  out.res = x.res;
  out.syscall = x.syscall < static_cast<uint16_t>(SecuritySyscall::kCount)
                    ? static_cast<SecuritySyscall>(x.syscall)
                    : SecuritySyscall::kNone;
  out.truncated.path = x.trunc & KSIGHT_SEC_T_PATH;
  out.truncated.path2 = x.trunc & KSIGHT_SEC_T_PATH2;
  out.truncated.args = x.trunc & KSIGHT_SEC_T_ARGS;
  out.truncated.name = x.trunc & KSIGHT_SEC_T_NAME;
}

void decode_sock(const ksight_sec_sockaddr& a, SecuritySocket& out) {
  out.family = a.family;
  out.type = a.type;
  out.protocol = a.protocol;
  out.local_port = a.local_port;
  out.remote_port = a.remote_port;
  if (a.family == AF_INET || a.family == AF_INET6) {
    out.local_addr = format_ip(a.family, a.local_addr);
    out.remote_addr = format_ip(a.family, a.remote_addr);
  }
  if (a.family == AF_UNIX) out.unix_path = fixed_str(a.unix_path);
}

// One decoder per record layout: copy the bytes into the BPF struct, then
// map fields. Each returns false when the size is wrong for its type.
template <typename T, typename Fn>
bool decode_as(std::span<const std::byte> bytes, SecurityEventRecord& out, Fn&& fn) {
  T raw;
  if (!load(bytes, raw)) return false;
  decode_common(raw.c, out);
  fn(raw, out);
  return true;
}

bool decode_exec(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_exec_event>(b, out, [](const auto& e, auto& r) {
    r.dirfd = e.dirfd;
    r.flags = e.at_flags;
    r.filename = fixed_str(e.filename);
    r.exe_name = fixed_str(e.exe_name);
    uint32_t len = std::min<uint32_t>(e.args_len, KSIGHT_SEC_ARGS_LEN);
    r.argv = split_argv(std::string_view(e.args, len));
    // Complete walks only; a cut one is left to /proc (security_paths.cpp).
    if (!(e.c.ctx.trunc & KSIGHT_SEC_T_CWD)) {
      r.cwd = path_from_components({e.cwd, std::min<uint32_t>(e.cwd_len, KSIGHT_SEC_DPATH_LEN)});
    }
    if (!(e.c.ctx.trunc & KSIGHT_SEC_T_EXE) && e.exe_path_len > 0) {
      r.exe = path_from_components(
          {e.exe_path, std::min<uint32_t>(e.exe_path_len, KSIGHT_SEC_DPATH_LEN)});
    }
  });
}

bool decode_open(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_open_event>(b, out, [](const auto& e, auto& r) {
    r.dirfd = e.dirfd;
    r.flags = e.flags;
    r.mode = e.mode;
    r.resolve = e.resolve;
    r.path = fixed_str(e.path);
  });
}

bool decode_connect(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_connect_event>(b, out, [](const auto& e, auto& r) {
    r.fd = e.fd;
    decode_sock(e.addr, r.sock);
  });
}

bool decode_accept(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_accept_event>(b, out, [](const auto& e, auto& r) {
    r.fd = e.fd;
    r.flags = e.flags;
    decode_sock(e.addr, r.sock);
  });
}

bool decode_ptrace(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_ptrace_event>(b, out, [](const auto& e, auto& r) {
    r.ptrace_request = e.request;
    r.target_pid = e.pid;
    r.ptrace_addr = e.addr;
  });
}

bool decode_module(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_module_event>(b, out, [](const auto& e, auto& r) {
    r.module_len = e.len;
    r.fd = e.fd;
    r.flags = e.flags;
    r.params = fixed_str(e.params);
    r.name = fixed_str(e.name);
  });
}

bool decode_setid(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_setid_event>(b, out, [](const auto& e, auto& r) {
    r.nids = std::min<uint32_t>(e.nids, 3);
    for (uint32_t i = 0; i < 3; i++) r.ids[i] = i < r.nids ? e.ids[i] : 0xffffffff;
  });
}

bool decode_memfd(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_memfd_event>(b, out, [](const auto& e, auto& r) {
    r.flags = e.flags;
    r.name = fixed_str(e.name);
  });
}

bool decode_mount(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_mount_event>(b, out, [](const auto& e, auto& r) {
    r.flags = e.flags;
    r.path = fixed_str(e.source);
    r.path2 = fixed_str(e.target);
    r.fstype = fixed_str(e.fstype);
  });
}

bool decode_unlink(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_unlink_event>(b, out, [](const auto& e, auto& r) {
    r.dirfd = e.dirfd;
    r.flags = e.flags;
    r.path = fixed_str(e.path);
  });
}

bool decode_rename(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_rename_event>(b, out, [](const auto& e, auto& r) {
    r.dirfd = e.olddirfd;
    r.dirfd2 = e.newdirfd;
    r.flags = e.flags;
    r.path = fixed_str(e.oldpath);
    r.path2 = fixed_str(e.newpath);
  });
}

bool decode_chmod(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_chmod_event>(b, out, [](const auto& e, auto& r) {
    r.dirfd = e.dirfd;
    r.mode = e.mode;
    r.flags = e.flags;
    r.path = fixed_str(e.path);
    if (r.syscall == SecuritySyscall::kFchmod) r.fd = e.dirfd;
  });
}

bool decode_chown(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_chown_event>(b, out, [](const auto& e, auto& r) {
    r.dirfd = e.dirfd;
    r.owner_uid = e.uid;
    r.owner_gid = e.gid;
    r.flags = e.flags;
    r.path = fixed_str(e.path);
    if (r.syscall == SecuritySyscall::kFchown) r.fd = e.dirfd;
  });
}

bool decode_bpf(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_bpf_event>(b, out, [](const auto& e, auto& r) {
    r.bpf_cmd = e.cmd;
    r.bpf_prog_type = e.prog_type;
    r.bpf_insn_cnt = e.insn_cnt;
    r.name = fixed_str(e.prog_name);
  });
}

bool decode_dup(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_dup_event>(b, out, [](const auto& e, auto& r) {
    r.fd = e.oldfd;
    r.fd2 = e.newfd;
    r.flags = e.flags;
    r.mode = e.old_mode;
    decode_sock(e.addr, r.sock);
  });
}

bool decode_kill(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_kill_event>(b, out, [](const auto& e, auto& r) {
    r.target_pid = e.pid;
    r.signal = e.sig;
  });
}

bool decode_exit(std::span<const std::byte> b, SecurityEventRecord& out) {
  return decode_as<ksight_sec_exit_event>(
      b, out, [](const auto& e, auto& r) { r.exit_code = e.exit_code; });
}

using Decoder = bool (*)(std::span<const std::byte>, SecurityEventRecord&);

struct TypeEntry {
  uint32_t type;
  size_t size;
  Decoder decode;
};

constexpr TypeEntry kTypes[] = {
    {KSIGHT_EVENT_SEC_PROC_EXIT, sizeof(ksight_sec_exit_event), decode_exit},
    {KSIGHT_EVENT_SEC_EXEC, sizeof(ksight_sec_exec_event), decode_exec},
    {KSIGHT_EVENT_SEC_OPEN, sizeof(ksight_sec_open_event), decode_open},
    {KSIGHT_EVENT_SEC_CONNECT, sizeof(ksight_sec_connect_event), decode_connect},
    {KSIGHT_EVENT_SEC_ACCEPT, sizeof(ksight_sec_accept_event), decode_accept},
    {KSIGHT_EVENT_SEC_PTRACE, sizeof(ksight_sec_ptrace_event), decode_ptrace},
    {KSIGHT_EVENT_SEC_MODULE, sizeof(ksight_sec_module_event), decode_module},
    {KSIGHT_EVENT_SEC_SETID, sizeof(ksight_sec_setid_event), decode_setid},
    {KSIGHT_EVENT_SEC_MEMFD, sizeof(ksight_sec_memfd_event), decode_memfd},
    {KSIGHT_EVENT_SEC_MOUNT, sizeof(ksight_sec_mount_event), decode_mount},
    {KSIGHT_EVENT_SEC_UNLINK, sizeof(ksight_sec_unlink_event), decode_unlink},
    {KSIGHT_EVENT_SEC_RENAME, sizeof(ksight_sec_rename_event), decode_rename},
    {KSIGHT_EVENT_SEC_CHMOD, sizeof(ksight_sec_chmod_event), decode_chmod},
    {KSIGHT_EVENT_SEC_CHOWN, sizeof(ksight_sec_chown_event), decode_chown},
    {KSIGHT_EVENT_SEC_BPF, sizeof(ksight_sec_bpf_event), decode_bpf},
    {KSIGHT_EVENT_SEC_DUP, sizeof(ksight_sec_dup_event), decode_dup},
    {KSIGHT_EVENT_SEC_KILL, sizeof(ksight_sec_kill_event), decode_kill},
};

const TypeEntry* find_type(uint32_t type) {
  for (const auto& entry : kTypes) {
    if (entry.type == type) return &entry;
  }
  return nullptr;
}

}  // namespace

std::string_view security_decode_error_name(SecurityDecodeError error) {
  switch (error) {
    case SecurityDecodeError::kNone:
      return "none";
    case SecurityDecodeError::kTooShort:
      return "too_short";
    case SecurityDecodeError::kSizeMismatch:
      return "size_mismatch";
    case SecurityDecodeError::kUnknownType:
      return "unknown_type";
  }
  return "unknown";
}

size_t security_record_size(uint32_t type) {
  const TypeEntry* entry = find_type(type);
  return entry ? entry->size : 0;
}

SecurityDecodeResult decode_security_record(std::span<const std::byte> bytes,
                                            SecurityEventRecord& out) {
  ksight_event_header hdr;
  if (bytes.size() < sizeof(ksight_sec_common)) return {SecurityDecodeError::kTooShort};
  std::memcpy(&hdr, bytes.data(), sizeof(hdr));
  const TypeEntry* entry = find_type(hdr.type);
  if (!entry) return {SecurityDecodeError::kUnknownType};
  if (hdr.size != entry->size || bytes.size() < entry->size)
    return {SecurityDecodeError::kSizeMismatch};
  // The ring buffer may round a record up; the header size is authoritative.
  if (!entry->decode(bytes.first(entry->size), out)) return {SecurityDecodeError::kSizeMismatch};
  return {};
}

std::vector<std::string> split_argv(std::string_view bytes) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t end = bytes.find('\0', start);
    if (end == std::string_view::npos) end = bytes.size();
    out.emplace_back(bytes.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string path_from_components(std::string_view leaf_first) {
  std::vector<std::string> parts = split_argv(leaf_first);
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    out += '/';
    out += *it;
  }
  return out.empty() ? "/" : out;
}

std::string join_args(const std::vector<std::string>& argv, size_t first) {
  std::string out;
  for (size_t i = first; i < argv.size(); i++) {
    if (i > first) out += ' ';
    out += argv[i];
  }
  return out;
}

std::string format_ip(uint16_t family, const uint8_t* addr16) {
  char buf[INET6_ADDRSTRLEN] = {};
  int af = family == AF_INET6 ? AF_INET6 : AF_INET;
  if (!inet_ntop(af, addr16, buf, sizeof(buf))) return {};
  return buf;
}

}  // namespace ksight::agent
