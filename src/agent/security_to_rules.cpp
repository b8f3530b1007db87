#include "agent/security_to_rules.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "agent/security_decode.h"
#include "agent/security_names.h"
#include "agent/security_paths.h"

namespace ksight::agent {
namespace {

using rules::EventType;

std::string num(int64_t v) {
  return std::to_string(v);
}

// Falco's fd.typechar from an inode mode and, for sockets, the family.
char type_char(uint32_t mode, uint16_t family) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return 'f';
    case S_IFDIR:
      return 'd';
    case S_IFIFO:
      return 'p';
    case S_IFSOCK:
      if (family == AF_INET) return '4';
      if (family == AF_INET6) return '6';
      if (family == AF_UNIX) return 'u';
      if (family == AF_NETLINK) return 'n';
      return 'o';
    default:
      return mode ? 'o' : 0;
  }
}

char socket_char(uint16_t family) {
  return type_char(S_IFSOCK, family);
}

// A socket's endpoints; `server` = our end is the destination (accept).
void fill_socket(const SecuritySocket& s, bool server, rules::FdInfo& fd) {
  fd.type_char = socket_char(s.family);
  if (s.family == AF_UNIX) {
    fd.name = s.unix_path;
    return;
  }
  if (s.family != AF_INET && s.family != AF_INET6) return;
  fd.l4proto = s.type == SOCK_STREAM ? "tcp" : s.type == SOCK_DGRAM ? "udp" : "";
  fd.is_server = server;
  if (server) {
    fd.sip = s.remote_addr, fd.sport = s.remote_port;
    fd.dip = s.local_addr, fd.dport = s.local_port;
  } else {
    fd.sip = s.local_addr, fd.sport = s.local_port;
    fd.dip = s.remote_addr, fd.dport = s.remote_port;
  }
  fd.name =
      fd.sip + ":" + std::to_string(fd.sport) + "->" + fd.dip + ":" + std::to_string(fd.dport);
}

const std::string& best(const std::string& resolved, const std::string& raw) {
  return resolved.empty() ? raw : resolved;
}

void fill_open(const SecurityEventRecord& r, rules::SecurityEvent& e) {
  e.fd.name = best(r.resolved_path, r.path);
  e.fd.nameraw = r.path;  // Falco's fd.nameraw: "../" kept (path traversal rules)
  e.fd.type_char = (r.flags & O_DIRECTORY) ? 'd' : 'f';
  if (r.res >= 0) e.set_arg("fd", num(r.res));
  e.set_arg("dirfd", num(r.dirfd));
  e.set_arg("name", e.fd.name);
  e.set_arg("flags", open_flags_text(r.flags));
  e.set_arg("mode", file_mode_text(r.mode));
}

void fill_setid(const SecurityEventRecord& r, rules::SecurityEvent& e) {
  bool gid = r.syscall == SecuritySyscall::kSetgid || r.syscall == SecuritySyscall::kSetregid ||
             r.syscall == SecuritySyscall::kSetresgid;
  static const char* kNames[2][3] = {{"ruid", "euid", "suid"}, {"rgid", "egid", "sgid"}};
  auto id = [](uint32_t v) { return num(static_cast<int32_t>(v)); };
  if (r.nids == 1) {
    e.set_arg(gid ? "gid" : "uid", id(r.ids[0]));
    return;
  }
  for (uint32_t i = 0; i < r.nids; i++) e.set_arg(kNames[gid][i], id(r.ids[i]));
}

void fill_files(const SecurityEventRecord& r, rules::SecurityEvent& e) {
  switch (r.kind) {
    case SecurityEventKind::kUnlink:
      e.fd.name = best(r.resolved_path, r.path);
      e.fd.type_char = 'f';
      e.set_arg("path", e.fd.name);
      if (r.syscall == SecuritySyscall::kUnlinkat) e.set_arg("flags", num(r.flags));
      return;
    case SecurityEventKind::kRename:
      e.fd.name = best(r.resolved_path, r.path);
      e.fd.type_char = 'f';
      e.set_arg("oldpath", e.fd.name);
      e.set_arg("newpath", best(r.resolved_path2, r.path2));
      return;
    case SecurityEventKind::kChmod:
      e.fd.name = best(r.resolved_path, r.path);
      e.fd.type_char = 'f';
      if (r.syscall == SecuritySyscall::kFchmod) e.set_arg("fd", num(r.fd));
      e.set_arg("path", e.fd.name);
      // Falco's flag names, so `evt.arg.mode contains S_ISUID` reads as in Falco.
      e.set_arg("mode", chmod_mode_text(r.mode));
      return;
    case SecurityEventKind::kChown:
      e.fd.name = best(r.resolved_path, r.path);
      e.fd.type_char = 'f';
      if (r.syscall == SecuritySyscall::kFchown) e.set_arg("fd", num(r.fd));
      e.set_arg("path", e.fd.name);
      e.set_arg("uid", num(static_cast<int32_t>(r.owner_uid)));
      e.set_arg("gid", num(static_cast<int32_t>(r.owner_gid)));
      return;
    case SecurityEventKind::kMount:
      e.set_arg("source", r.path);
      e.set_arg("target", best(r.resolved_path2, r.path2));
      e.set_arg("fstype", r.fstype);
      e.set_arg("flags", mount_flags_text(r.flags));
      return;
    case SecurityEventKind::kMemfd:
      e.set_arg("name", r.name);
      e.set_arg("flags", memfd_flags_text(static_cast<uint32_t>(r.flags)));
      if (r.res >= 0) e.fd.type_char = 'm';
      return;
    default:
      return;
  }
}

void fill_other(const SecurityEventRecord& r, rules::SecurityEvent& e) {
  switch (r.kind) {
    case SecurityEventKind::kOpen:
      fill_open(r, e);
      return;
    case SecurityEventKind::kConnect:
      fill_socket(r.sock, false, e.fd);
      e.set_arg("fd", num(r.fd));
      return;
    case SecurityEventKind::kAccept:
      fill_socket(r.sock, true, e.fd);
      e.set_arg("fd", num(r.res));
      if (r.syscall == SecuritySyscall::kAccept4) e.set_arg("flags", num(r.flags));
      return;
    case SecurityEventKind::kDup:
      if (r.old_fd_is_socket()) fill_socket(r.sock, false, e.fd);
      e.fd.type_char = type_char(r.mode, r.sock.family);
      e.set_arg("oldfd", num(r.fd));
      e.set_arg("newfd", num(r.fd2));
      if (r.syscall == SecuritySyscall::kDup3) e.set_arg("flags", num(r.flags));
      return;
    case SecurityEventKind::kPtrace:
      e.set_arg("request", ptrace_request_text(r.ptrace_request));
      e.set_arg("pid", num(r.target_pid));
      return;
    case SecurityEventKind::kModule:
      if (!r.name.empty()) e.set_arg("name", r.name);
      if (r.syscall == SecuritySyscall::kFinitModule) {
        e.fd.name = r.name;
        e.fd.type_char = 'f';
        e.set_arg("fd", num(r.fd));
      } else {
        e.set_arg("len", num(static_cast<int64_t>(r.module_len)));
      }
      e.set_arg("params", r.params);
      return;
    case SecurityEventKind::kSetId:
      fill_setid(r, e);
      return;
    case SecurityEventKind::kBpf:
      e.set_arg("cmd", bpf_cmd_text(r.bpf_cmd));
      if (r.bpf_cmd == 5) {
        e.set_arg("prog_type", bpf_prog_type_text(r.bpf_prog_type));
        e.set_arg("name", r.name);
      }
      return;
    case SecurityEventKind::kKill:
      e.set_arg("pid", num(r.target_pid));
      e.set_arg("sig", signal_text(r.signal));
      return;
    case SecurityEventKind::kProcessExit:
      e.set_arg("status", num(WIFEXITED(r.exit_code) ? WEXITSTATUS(r.exit_code) : 0));
      if (WIFSIGNALED(r.exit_code)) e.set_arg("sig", signal_text(WTERMSIG(r.exit_code)));
      return;
    default:
      fill_files(r, e);
      return;
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

rules::EventType rules_event_type(SecuritySyscall sc) {
  using S = SecuritySyscall;
  switch (sc) {
    case S::kExecve:
      return EventType::kExecve;
    case S::kExecveat:
      return EventType::kExecveat;
    case S::kOpen:
    case S::kCreat:
      return EventType::kOpen;
    case S::kOpenat:
      return EventType::kOpenat;
    case S::kOpenat2:
      return EventType::kOpenat2;
    case S::kConnect:
      return EventType::kConnect;
    case S::kAccept:
    case S::kAccept4:
      return EventType::kAccept;
    case S::kPtrace:
      return EventType::kPtrace;
    case S::kInitModule:
      return EventType::kInitModule;
    case S::kFinitModule:
      return EventType::kFinitModule;
    case S::kSetuid:
      return EventType::kSetuid;
    case S::kSetgid:
      return EventType::kSetgid;
    case S::kSetreuid:
      return EventType::kSetreuid;
    case S::kSetregid:
      return EventType::kSetregid;
    case S::kSetresuid:
      return EventType::kSetresuid;
    case S::kSetresgid:
      return EventType::kSetresgid;
    case S::kMemfdCreate:
      return EventType::kMemfdCreate;
    case S::kMount:
      return EventType::kMount;
    case S::kUnlink:
      return EventType::kUnlink;
    case S::kUnlinkat:
      return EventType::kUnlinkat;
    case S::kRename:
      return EventType::kRename;
    case S::kRenameat:
      return EventType::kRenameat;
    case S::kRenameat2:
      return EventType::kRenameat2;
    case S::kChmod:
      return EventType::kChmod;
    case S::kFchmod:
      return EventType::kFchmod;
    case S::kFchmodat:
      return EventType::kFchmodat;
    case S::kChown:
    case S::kLchown:
      return EventType::kChown;
    case S::kFchown:
      return EventType::kFchown;
    case S::kFchownat:
      return EventType::kFchownat;
    case S::kBpf:
      return EventType::kBpf;
    case S::kDup2:
      return EventType::kDup2;
    case S::kDup3:
      return EventType::kDup3;
    case S::kKill:
      return EventType::kKill;
    case S::kExit:
      return EventType::kExit;
    default:
      return EventType::kUnknown;
  }
}

rules::SecurityEvent to_rules_event(const SecurityEventRecord& r) {
  rules::SecurityEvent e;
  e.type = rules_event_type(r.syscall);
  e.ts_ns = r.wall_time_ns;
  e.res = r.res;
  auto& p = e.proc;
  p.pid = r.pid;
  p.ppid = r.ppid;
  p.tid = r.tid;
  p.comm = r.comm;
  p.tty = r.tty;
  p.uid = r.uid;
  p.gid = r.gid;
  p.loginuid = r.has_loginuid && r.loginuid != 0xffffffff ? int64_t{r.loginuid} : -1;
  p.cap_effective = r.cap_effective;
  p.is_exe_from_memfd = r.is_exe_from_memfd;
  if (r.kind == SecurityEventKind::kExec) {
    p.exe = r.exe;
    p.args = r.argv;
    p.cwd = r.cwd;
    e.set_arg("filename", r.filename);
  }
  fill_other(r, e);
  return e;
}

std::optional<SecurityProcessBrief> read_proc_brief(uint32_t pid) {
  std::string base = "/proc/" + std::to_string(pid);
  std::string stat = read_file(base + "/stat");
  size_t open = stat.find('('), close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  SecurityProcessBrief brief;
  brief.comm = stat.substr(open + 1, close - open - 1);
  char state = 0;
  unsigned ppid = 0;
  if (sscanf(stat.c_str() + close + 1, " %c %u", &state, &ppid) != 2) return std::nullopt;
  brief.ppid = ppid;
  // Field 22, starttime: clock ticks after boot.
  std::istringstream rest(stat.substr(close + 2));
  std::string skip;
  for (int field = 3; field < 22; ++field) rest >> skip;
  unsigned long long ticks = 0;
  long hz = sysconf(_SC_CLK_TCK);
  if (rest >> ticks && hz > 0) brief.start_boot_ns = ticks * (1'000'000'000ULL / hz);
  ProcfsLinks links;
  if (auto exe = links.read_link(pid, "exe")) brief.exe = *exe;
  if (auto cwd = links.read_link(pid, "cwd")) brief.cwd = *cwd;
  brief.args = split_argv(read_file(base + "/cmdline"));
  return brief;
}

SecurityRulesConverter::SecurityRulesConverter(SecurityProcReader reader, size_t max_processes,
                                               size_t max_ancestors)
    : reader_(std::move(reader)), max_processes_(max_processes), max_ancestors_(max_ancestors) {}

const SecurityProcessBrief* SecurityRulesConverter::find(uint32_t pid) {
  auto it = procs_.find(pid);
  if (it != procs_.end()) return &it->second;
  if (!reader_ || pid == 0) return nullptr;
  auto brief = reader_(pid);
  if (!brief) return nullptr;
  if (procs_.size() >= max_processes_) procs_.clear();  // bound; refills lazily
  return &procs_.emplace(pid, std::move(*brief)).first->second;
}

void SecurityRulesConverter::learn(const SecurityEventRecord& r) {
  if (r.kind == SecurityEventKind::kExec && r.res == 0) {
    if (procs_.size() >= max_processes_) procs_.clear();
    SecurityProcessBrief& b = procs_[r.pid];
    b.ppid = r.ppid;
    b.comm = r.comm;
    b.exe = r.exe;
    b.args = r.argv;
    b.cwd = r.cwd;
    if (b.start_boot_ns == 0) b.start_boot_ns = r.boot_time_ns;
  }
}

void SecurityRulesConverter::fill_process(const SecurityEventRecord& r, rules::SecurityEvent& e) {
  auto& p = e.proc;
  bool exec = r.kind == SecurityEventKind::kExec;
  if (!exec) {
    if (const auto* self = find(r.pid)) {
      p.exe = self->exe;
      p.args = self->args;
      p.cwd = self->cwd;
    }
  }
  if (const auto* self = find(r.pid); self && self->start_boot_ns != 0 &&
                                      self->start_boot_ns <= r.boot_time_ns &&
                                      r.boot_time_ns - self->start_boot_ns <= r.wall_time_ns) {
    p.start_ts_ns = r.wall_time_ns - (r.boot_time_ns - self->start_boot_ns);
  }
  uint32_t pid = r.ppid;
  for (size_t depth = 0; depth < max_ancestors_ && pid > 0; depth++) {
    const auto* a = find(pid);
    if (!a) break;
    if (depth == 0) {
      p.parent_exe = a->exe;
      p.parent_cmdline = a->comm;
      for (size_t i = 1; i < a->args.size(); i++) p.parent_cmdline += " " + a->args[i];
    }
    p.ancestors.push_back(a->comm);
    p.ancestor_exes.push_back(a->exe);
    if (a->ppid == pid) break;
    pid = a->ppid;
  }
}

rules::SecurityEvent SecurityRulesConverter::convert(const SecurityEventRecord& r) {
  // A failed exec leaves the caller's image: its event describes the caller.
  if (r.kind == SecurityEventKind::kExec && r.res == 0) learn(r);
  rules::SecurityEvent e = to_rules_event(r);
  fill_process(r, e);
  if (r.kind == SecurityEventKind::kExec && r.res != 0) {
    if (const auto* self = find(r.pid)) {
      e.proc.exe = self->exe;
      e.proc.args = self->args;
    }
  }
  if (r.kind == SecurityEventKind::kProcessExit) procs_.erase(r.pid);
  return e;
}

}  // namespace ksight::agent
