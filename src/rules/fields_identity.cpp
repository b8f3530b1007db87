// thread.*, user.*, group.*: who made the syscall.
#include <array>

#include "rules/field_helpers.h"

namespace ksight::rules {

namespace {

using detail::set_num;
using detail::set_str;

// Capability numbers from linux/capability.h, in order.
constexpr std::array<std::string_view, 41> kCapNames = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

bool cap_names(EvalContext& c, FieldValue& o) {
  std::string& s = c.scratch();
  s.clear();
  uint64_t caps = c.event().proc.cap_effective;
  for (size_t i = 0; i < kCapNames.size(); ++i) {
    if (caps & (1ULL << i)) {
      if (!s.empty()) s += ' ';
      s += kCapNames[i];
    }
  }
  return set_str(o, s);
}

const FieldInfo kIdentityFields[] = {
    {"thread.tid", FieldType::kInt, FieldArgKind::kNone, "Thread id of the caller.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_num(o, c.event().proc.tid); }},
    {"thread.cap_effective", FieldType::kString, FieldArgKind::kNone,
     "Effective capabilities as names separated by spaces (`CAP_SYS_ADMIN CAP_BPF`); absent "
     "when none.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return cap_names(c, o); }},
    {"user.uid", FieldType::kInt, FieldArgKind::kNone, "Real user id of the caller.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_num(o, c.event().proc.uid); }},
    {"user.name", FieldType::kString, FieldArgKind::kNone, "User name of user.uid, when known.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_str(o, c.event().proc.user);
     }},
    {"user.loginuid", FieldType::kInt, FieldArgKind::kNone,
     "Audit login uid: the uid that logged in originally; -1 when unset (daemons).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_num(o, c.event().proc.loginuid);
     }},
    {"group.gid", FieldType::kInt, FieldArgKind::kNone, "Real group id of the caller.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_num(o, c.event().proc.gid); }},
};

}  // namespace

std::span<const FieldInfo> identity_fields() {
  return kIdentityFields;
}

}  // namespace ksight::rules
