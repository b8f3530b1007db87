#pragma once
// The rules engine's own event model. Event sources (the kernel feed in
// src/agent/, the JSONL replay reader, tests) fill one SecurityEvent per
// syscall and hand it to Engine::process(). The struct is plain data: fill
// what you know, leave the rest at its default (an empty string / 0 makes a
// field "absent": `exists` is false and the output shows <NA>).
//
// How to fill it, by event type (what the default ruleset relies on):
//   every event     type, ts_ns, res (the syscall return: >= 0 success,
//                   -errno on failure), proc.* (the calling thread), container.
//   execve/execveat proc.* describes the NEW image: exe (resolved path),
//                   args (argv incl. argv[0]), cwd, tty (tty_nr, 0 = none),
//                   is_exe_from_memfd; parent_exe/parent_cmdline the caller.
//   open family     fd.name = resolved absolute path, fd.nameraw = the path as
//                   passed (may hold "../"), fd.type_char = 'f' (or 'd' for
//                   O_DIRECTORY); args "fd" (the result), "flags" = symbolic
//                   open flags joined by '|' ("O_WRONLY|O_CREAT|O_TRUNC"),
//                   "mode" (octal, "0755").
//   connect/accept  fd.type_char '4'/'6'/'u'; FdInfo.sip/sport = the client
//                   side, FdInfo.dip/dport = the server side (the fields
//                   follow Falco: fd.cip/fd.cport client, fd.sip/fd.sport
//                   server; see fields_fd.cpp); args "fd";
//                   fd.is_server = true on accept (our end is the server);
//                   fd.l4proto "tcp"/"udp"; fd.name for unix sockets = path.
//   dup2/dup3       fd.* describes the OLD fd being duplicated; args "oldfd",
//                   "newfd".
//   ptrace          args "request" (PTRACE_ATTACH, ...), "pid" (the target).
//   init_module /   args "name" if known; finit_module also fd.name (module file).
//   finit_module
//   setuid family   args "uid" / "gid" (or "ruid","euid","suid") as decimal.
//   memfd_create    args "name", "flags".
//   mount           args "source", "target", "fstype", "flags".
//   unlink/rename   fd.name = the affected path (rename: the old path), args
//                   "path"/"oldpath"/"newpath".
//   chmod/chown     fd.name = path; args "mode" (symbolic, "S_ISUID|S_IRWXU|...",
//                   or octal), "uid","gid".
//   bpf             args "cmd" (BPF_PROG_LOAD, BPF_MAP_CREATE, ...).
//   kill            args "pid", "sig" (SIGKILL, ...).
//   exit            args "status".
//
// Replay format (`ksight detect --replay FILE.jsonl`, see event_json.h): one
// JSON object per line with the same names as below, e.g.
//   {"type":"openat","ts":1700000000000000000,"res":3,
//    "proc":{"pid":42,"ppid":1,"comm":"cat","exe":"/usr/bin/cat",
//            "args":["cat","/etc/shadow"],"uid":1000,"user":"alice",
//            "ancestors":["bash","sshd"]},
//    "fd":{"name":"/etc/shadow","type":"f"},"args":{"flags":"O_RDONLY"}}
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ksight::rules {

// Numeric values are fixed: recorded files store names, but metrics and
// bitsets index by these.
enum class EventType : uint8_t {
  kUnknown = 0,
  kExecve,
  kExecveat,
  kOpen,
  kOpenat,
  kOpenat2,
  kConnect,
  kAccept,
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
  kBpf,
  kDup2,
  kDup3,
  kKill,
  kExit,
  kCount,  // number of event types; keep last
};
inline constexpr size_t kEventTypeCount = static_cast<size_t>(EventType::kCount);

// Syscall-style name ("execve", "openat", "procexit" for kExit).
std::string_view event_type_name(EventType type);
// Inverse of event_type_name; kUnknown when the name is not an event type.
EventType event_type_from_name(std::string_view name);

struct ProcessInfo {
  int64_t pid = 0;   // thread-group id
  int64_t ppid = 0;  // parent's thread-group id
  int64_t tid = 0;
  std::string comm;               // proc.name: the task comm (or exe basename)
  std::string exe;                // proc.exepath: resolved executable path
  std::vector<std::string> args;  // argv including argv[0]
  std::string cmdline;            // optional; built from comm + args when empty
  std::string cwd;
  uint32_t tty = 0;  // tty_nr; 0 = no controlling terminal
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string user;       // user name; "" = unknown
  int64_t loginuid = -1;  // -1 = unset (AUDIT_UID_UNSET)
  uint64_t cap_effective = 0;
  // Ancestor names, nearest first: ancestors[0] is the parent's name,
  // ancestors[1] the grandparent's... proc.aname[N] = ancestors[N-1].
  std::vector<std::string> ancestors;
  // Ancestor executable paths, same order (optional; may be shorter).
  std::vector<std::string> ancestor_exes;
  std::string parent_exe;
  std::string parent_cmdline;
  bool is_exe_from_memfd = false;
  // When the process started (epoch ns; 0 = unknown): proc.duration.
  uint64_t start_ts_ns = 0;
};

struct FdInfo {
  std::string name;     // path, unix socket path, or "" (then built for sockets)
  std::string nameraw;  // the path as the caller passed it ("" = same as name)
  // Falco's fd.typechar: f file, d directory, 4 IPv4, 6 IPv6, u unix socket,
  // p pipe, e eventfd, s signalfd, l eventpoll, i inotify, t timerfd,
  // n netlink, b bpf, m memfd, o other. 0 = no fd.
  char type_char = 0;
  std::string sip;         // client ("source") address, text form: field fd.cip
  uint32_t sport = 0;      // field fd.cport
  std::string dip;         // server ("destination") address: fields fd.sip, fd.dip
  uint32_t dport = 0;      // fields fd.sport, fd.dport
  std::string l4proto;     // "tcp", "udp", "" unknown
  bool is_server = false;  // accept side: our end is dip:dport
};

struct SecurityEvent {
  EventType type = EventType::kUnknown;
  uint64_t ts_ns = 0;  // nanoseconds since the Unix epoch
  int64_t res = 0;     // syscall return value (negative errno on failure)
  ProcessInfo proc;
  FdInfo fd;
  // evt.arg.<name> / evt.arg[N]: syscall arguments rendered as text, in
  // syscall order. Keep names short and Falco-like ("flags", "newfd").
  std::vector<std::pair<std::string, std::string>> args;
  std::string container_id = "host";  // 12-hex container id, "host" outside containers
  std::string pod_uid;                // k8s pod uid from the cgroup path, "" unknown

  // Returns the value of argument `name`, or nullptr.
  const std::string* arg(std::string_view name) const {
    for (const auto& [key, value] : args) {
      if (key == name) return &value;
    }
    return nullptr;
  }
  void set_arg(std::string name, std::string value) {
    args.emplace_back(std::move(name), std::move(value));
  }
};

}  // namespace ksight::rules
