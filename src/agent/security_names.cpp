#include "agent/security_names.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>

#include <array>
#include <string_view>
#include <utility>

#include "agent/security_events.h"
#include "agent/security_source.h"

namespace ksight::agent {
namespace {

struct Bit {
  uint64_t value;
  std::string_view name;
};

std::string join_bits(uint64_t flags, std::initializer_list<Bit> bits, std::string_view none) {
  std::string out;
  for (const Bit& bit : bits) {
    if ((flags & bit.value) != bit.value || bit.value == 0) continue;
    if (!out.empty()) out += '|';
    out += bit.name;
    flags &= ~bit.value;
  }
  if (flags) {
    if (!out.empty()) out += '|';
    char buf[32];
    snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(flags));
    out += buf;
  }
  return out.empty() ? std::string(none) : out;
}

struct FamilyEntry {
  std::string_view syscall;
  SecurityFamily family;
};

constexpr FamilyEntry kFamilies[] = {
    {"execve", SecurityFamily::kExec},
    {"execveat", SecurityFamily::kExec},
    {"open", SecurityFamily::kOpen},
    {"openat", SecurityFamily::kOpen},
    {"openat2", SecurityFamily::kOpen},
    {"creat", SecurityFamily::kOpen},
    {"connect", SecurityFamily::kNet},
    {"accept", SecurityFamily::kNet},
    {"accept4", SecurityFamily::kNet},
    {"ptrace", SecurityFamily::kPtrace},
    {"init_module", SecurityFamily::kModule},
    {"finit_module", SecurityFamily::kModule},
    {"setuid", SecurityFamily::kSetId},
    {"setgid", SecurityFamily::kSetId},
    {"setreuid", SecurityFamily::kSetId},
    {"setregid", SecurityFamily::kSetId},
    {"setresuid", SecurityFamily::kSetId},
    {"setresgid", SecurityFamily::kSetId},
    {"memfd_create", SecurityFamily::kMemfd},
    {"mount", SecurityFamily::kMount},
    {"unlink", SecurityFamily::kFileOps},
    {"unlinkat", SecurityFamily::kFileOps},
    {"rename", SecurityFamily::kFileOps},
    {"renameat", SecurityFamily::kFileOps},
    {"renameat2", SecurityFamily::kFileOps},
    {"chmod", SecurityFamily::kFileOps},
    {"fchmod", SecurityFamily::kFileOps},
    {"fchmodat", SecurityFamily::kFileOps},
    {"chown", SecurityFamily::kFileOps},
    {"lchown", SecurityFamily::kFileOps},
    {"fchown", SecurityFamily::kFileOps},
    {"fchownat", SecurityFamily::kFileOps},
    {"bpf", SecurityFamily::kBpf},
    {"dup2", SecurityFamily::kDup},
    {"dup3", SecurityFamily::kDup},
    {"kill", SecurityFamily::kKill},
};

}  // namespace

SecurityFamily security_program_family(const std::string& name) {
  if (name == "sched_exit") return SecurityFamily::kExit;
  if (name == "sched_exec") return SecurityFamily::kExec;
  if (name == "raw_exit_module") return SecurityFamily::kModule;
  std::string_view syscall = name;
  for (std::string_view prefix : {"enter_", "exit_"}) {
    if (syscall.substr(0, prefix.size()) == prefix) {
      syscall.remove_prefix(prefix.size());
      break;
    }
  }
  for (const auto& entry : kFamilies) {
    if (entry.syscall == syscall) return entry.family;
  }
  return SecurityFamily::kCount;
}

std::string_view security_kind_name(SecurityEventKind kind) {
  switch (kind) {
    case SecurityEventKind::kUnknown:
      return "unknown";
    case SecurityEventKind::kProcessExit:
      return "exit";
    case SecurityEventKind::kExec:
      return "exec";
    case SecurityEventKind::kOpen:
      return "open";
    case SecurityEventKind::kConnect:
      return "connect";
    case SecurityEventKind::kAccept:
      return "accept";
    case SecurityEventKind::kPtrace:
      return "ptrace";
    case SecurityEventKind::kModule:
      return "module";
    case SecurityEventKind::kSetId:
      return "setid";
    case SecurityEventKind::kMemfd:
      return "memfd";
    case SecurityEventKind::kMount:
      return "mount";
    case SecurityEventKind::kUnlink:
      return "unlink";
    case SecurityEventKind::kRename:
      return "rename";
    case SecurityEventKind::kChmod:
      return "chmod";
    case SecurityEventKind::kChown:
      return "chown";
    case SecurityEventKind::kBpf:
      return "bpf";
    case SecurityEventKind::kDup:
      return "dup";
    case SecurityEventKind::kKill:
      return "kill";
  }
  return "unknown";
}

std::string_view security_syscall_name(SecuritySyscall sc) {
  static constexpr std::array<std::string_view, static_cast<size_t>(SecuritySyscall::kCount)>
      kNames = {"none",         "execve",       "execveat", "open",     "openat",   "openat2",
                "creat",        "connect",      "accept",   "accept4",  "ptrace",   "init_module",
                "finit_module", "setuid",       "setgid",   "setreuid", "setregid", "setresuid",
                "setresgid",    "memfd_create", "mount",    "unlink",   "unlinkat", "rename",
                "renameat",     "renameat2",    "chmod",    "fchmod",   "fchmodat", "chown",
                "fchown",       "fchownat",     "lchown",   "bpf",      "dup2",     "dup3",
                "kill",         "procexit"};
  size_t i = static_cast<size_t>(sc);
  return i < kNames.size() ? kNames[i] : "none";
}

std::string open_flags_text(uint64_t flags) {
  std::string access;
  switch (flags & O_ACCMODE) {
    case O_RDONLY:
      access = "O_RDONLY";
      break;
    case O_WRONLY:
      access = "O_WRONLY";
      break;
    case O_RDWR:
      access = "O_RDWR";
      break;
    default:
      access = "O_ACCMODE";
      break;
  }
  std::string rest = join_bits(flags & ~static_cast<uint64_t>(O_ACCMODE),
                               {{O_CREAT, "O_CREAT"},
                                {O_EXCL, "O_EXCL"},
                                {O_NOCTTY, "O_NOCTTY"},
                                {O_TRUNC, "O_TRUNC"},
                                {O_APPEND, "O_APPEND"},
                                {O_NONBLOCK, "O_NONBLOCK"},
                                {O_TMPFILE, "O_TMPFILE"},
                                {O_SYNC, "O_SYNC"},
                                {O_DSYNC, "O_DSYNC"},
                                {O_DIRECT, "O_DIRECT"},
                                {0100000, "O_LARGEFILE"},
                                {O_DIRECTORY, "O_DIRECTORY"},
                                {O_NOFOLLOW, "O_NOFOLLOW"},
                                {O_NOATIME, "O_NOATIME"},
                                {O_CLOEXEC, "O_CLOEXEC"},
                                {O_PATH, "O_PATH"}},
                               "");
  return rest.empty() ? access : access + "|" + rest;
}

std::string file_mode_text(uint32_t mode) {
  char buf[16];
  snprintf(buf, sizeof(buf), "0%o", mode & 07777);
  return buf;
}

std::string chmod_mode_text(uint32_t mode) {
  static const std::pair<uint32_t, const char*> kBits[] = {
      {04000, "S_ISUID"}, {02000, "S_ISGID"}, {01000, "S_ISVTX"}, {0400, "S_IRUSR"},
      {0200, "S_IWUSR"},  {0100, "S_IXUSR"},  {040, "S_IRGRP"},   {020, "S_IWGRP"},
      {010, "S_IXGRP"},   {04, "S_IROTH"},    {02, "S_IWOTH"},    {01, "S_IXOTH"}};
  std::string out;
  for (const auto& [bit, name] : kBits) {
    if (!(mode & bit)) continue;
    if (!out.empty()) out += '|';
    out += name;
  }
  return out.empty() ? "0" : out;
}

std::string ptrace_request_text(int64_t request) {
  switch (request) {
    case PTRACE_TRACEME:
      return "PTRACE_TRACEME";
    case PTRACE_PEEKTEXT:
      return "PTRACE_PEEKTEXT";
    case PTRACE_PEEKDATA:
      return "PTRACE_PEEKDATA";
    case PTRACE_PEEKUSER:
      return "PTRACE_PEEKUSR";
    case PTRACE_POKETEXT:
      return "PTRACE_POKETEXT";
    case PTRACE_POKEDATA:
      return "PTRACE_POKEDATA";
    case PTRACE_POKEUSER:
      return "PTRACE_POKEUSR";
    case PTRACE_CONT:
      return "PTRACE_CONT";
    case PTRACE_KILL:
      return "PTRACE_KILL";
    case PTRACE_SINGLESTEP:
      return "PTRACE_SINGLESTEP";
    case PTRACE_GETREGS:
      return "PTRACE_GETREGS";
    case PTRACE_SETREGS:
      return "PTRACE_SETREGS";
    case PTRACE_ATTACH:
      return "PTRACE_ATTACH";
    case PTRACE_DETACH:
      return "PTRACE_DETACH";
    case PTRACE_SYSCALL:
      return "PTRACE_SYSCALL";
    case PTRACE_SETOPTIONS:
      return "PTRACE_SETOPTIONS";
    case PTRACE_SEIZE:
      return "PTRACE_SEIZE";
    case PTRACE_INTERRUPT:
      return "PTRACE_INTERRUPT";
    default:
      return std::to_string(request);
  }
}

std::string signal_text(int32_t sig) {
  if (sig == 0) return "0";
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev) return std::string("SIG") + abbrev;
  return std::to_string(sig);
}

std::string bpf_cmd_text(int32_t cmd) {
  static constexpr std::string_view kNames[] = {
      "BPF_MAP_CREATE",        "BPF_MAP_LOOKUP_ELEM",
      "BPF_MAP_UPDATE_ELEM",   "BPF_MAP_DELETE_ELEM",
      "BPF_MAP_GET_NEXT_KEY",  "BPF_PROG_LOAD",
      "BPF_OBJ_PIN",           "BPF_OBJ_GET",
      "BPF_PROG_ATTACH",       "BPF_PROG_DETACH",
      "BPF_PROG_TEST_RUN",     "BPF_PROG_GET_NEXT_ID",
      "BPF_MAP_GET_NEXT_ID",   "BPF_PROG_GET_FD_BY_ID",
      "BPF_MAP_GET_FD_BY_ID",  "BPF_OBJ_GET_INFO_BY_FD",
      "BPF_PROG_QUERY",        "BPF_RAW_TRACEPOINT_OPEN",
      "BPF_BTF_LOAD",          "BPF_BTF_GET_FD_BY_ID",
      "BPF_TASK_FD_QUERY",     "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
      "BPF_MAP_FREEZE",        "BPF_BTF_GET_NEXT_ID",
      "BPF_MAP_LOOKUP_BATCH",  "BPF_MAP_LOOKUP_AND_DELETE_BATCH",
      "BPF_MAP_UPDATE_BATCH",  "BPF_MAP_DELETE_BATCH",
      "BPF_LINK_CREATE",       "BPF_LINK_UPDATE",
      "BPF_LINK_GET_FD_BY_ID", "BPF_LINK_GET_NEXT_ID",
      "BPF_ENABLE_STATS",      "BPF_ITER_CREATE",
      "BPF_LINK_DETACH",       "BPF_PROG_BIND_MAP",
      "BPF_TOKEN_CREATE"};
  if (cmd >= 0 && static_cast<size_t>(cmd) < std::size(kNames)) return std::string(kNames[cmd]);
  return std::to_string(cmd);
}

std::string bpf_prog_type_text(uint32_t type) {
  static constexpr std::string_view kNames[] = {"BPF_PROG_TYPE_UNSPEC",
                                                "BPF_PROG_TYPE_SOCKET_FILTER",
                                                "BPF_PROG_TYPE_KPROBE",
                                                "BPF_PROG_TYPE_SCHED_CLS",
                                                "BPF_PROG_TYPE_SCHED_ACT",
                                                "BPF_PROG_TYPE_TRACEPOINT",
                                                "BPF_PROG_TYPE_XDP",
                                                "BPF_PROG_TYPE_PERF_EVENT",
                                                "BPF_PROG_TYPE_CGROUP_SKB",
                                                "BPF_PROG_TYPE_CGROUP_SOCK",
                                                "BPF_PROG_TYPE_LWT_IN",
                                                "BPF_PROG_TYPE_LWT_OUT",
                                                "BPF_PROG_TYPE_LWT_XMIT",
                                                "BPF_PROG_TYPE_SOCK_OPS",
                                                "BPF_PROG_TYPE_SK_SKB",
                                                "BPF_PROG_TYPE_CGROUP_DEVICE",
                                                "BPF_PROG_TYPE_SK_MSG",
                                                "BPF_PROG_TYPE_RAW_TRACEPOINT",
                                                "BPF_PROG_TYPE_CGROUP_SOCK_ADDR",
                                                "BPF_PROG_TYPE_LWT_SEG6LOCAL",
                                                "BPF_PROG_TYPE_LIRC_MODE2",
                                                "BPF_PROG_TYPE_SK_REUSEPORT",
                                                "BPF_PROG_TYPE_FLOW_DISSECTOR",
                                                "BPF_PROG_TYPE_CGROUP_SYSCTL",
                                                "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE",
                                                "BPF_PROG_TYPE_CGROUP_SOCKOPT",
                                                "BPF_PROG_TYPE_TRACING",
                                                "BPF_PROG_TYPE_STRUCT_OPS",
                                                "BPF_PROG_TYPE_EXT",
                                                "BPF_PROG_TYPE_LSM",
                                                "BPF_PROG_TYPE_SK_LOOKUP",
                                                "BPF_PROG_TYPE_SYSCALL",
                                                "BPF_PROG_TYPE_NETFILTER"};
  if (type < std::size(kNames)) return std::string(kNames[type]);
  return std::to_string(type);
}

std::string mount_flags_text(uint64_t flags) {
  return join_bits(flags,
                   {{MS_RDONLY, "MS_RDONLY"},
                    {MS_NOSUID, "MS_NOSUID"},
                    {MS_NODEV, "MS_NODEV"},
                    {MS_NOEXEC, "MS_NOEXEC"},
                    {MS_SYNCHRONOUS, "MS_SYNCHRONOUS"},
                    {MS_REMOUNT, "MS_REMOUNT"},
                    {MS_MANDLOCK, "MS_MANDLOCK"},
                    {MS_DIRSYNC, "MS_DIRSYNC"},
                    {MS_NOATIME, "MS_NOATIME"},
                    {MS_NODIRATIME, "MS_NODIRATIME"},
                    {MS_BIND, "MS_BIND"},
                    {MS_MOVE, "MS_MOVE"},
                    {MS_REC, "MS_REC"},
                    {MS_SILENT, "MS_SILENT"},
                    {MS_PRIVATE, "MS_PRIVATE"},
                    {MS_SLAVE, "MS_SLAVE"},
                    {MS_SHARED, "MS_SHARED"},
                    {MS_RELATIME, "MS_RELATIME"},
                    {MS_STRICTATIME, "MS_STRICTATIME"}},
                   "0");
}

std::string memfd_flags_text(uint32_t flags) {
  return join_bits(flags,
                   {{1, "MFD_CLOEXEC"},
                    {2, "MFD_ALLOW_SEALING"},
                    {4, "MFD_HUGETLB"},
                    {8, "MFD_NOEXEC_SEAL"},
                    {16, "MFD_EXEC"}},
                   "0");
}

std::string errno_text(int64_t res) {
  if (res >= 0) return {};
  const char* name = strerrorname_np(static_cast<int>(-res));
  return name ? name : std::to_string(res);
}

}  // namespace ksight::agent
