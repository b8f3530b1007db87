#include "rules/event.h"

#include <array>

namespace ksight::rules {

namespace {

constexpr std::array<std::string_view, kEventTypeCount> kNames = {
    "unknown",  "execve",    "execveat",    "open",         "openat", "openat2",  "connect",
    "accept",   "ptrace",    "init_module", "finit_module", "setuid", "setgid",   "setreuid",
    "setregid", "setresuid", "setresgid",   "memfd_create", "mount",  "unlink",   "unlinkat",
    "rename",   "renameat",  "renameat2",   "chmod",        "fchmod", "fchmodat", "chown",
    "fchown",   "fchownat",  "bpf",         "dup2",         "dup3",   "kill",     "procexit",
};

}  // namespace

std::string_view event_type_name(EventType type) {
  auto i = static_cast<size_t>(type);
  return i < kNames.size() ? kNames[i] : kNames[0];
}

EventType event_type_from_name(std::string_view name) {
  for (size_t i = 1; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<EventType>(i);
  }
  if (name == "accept4") return EventType::kAccept;
  if (name == "exit" || name == "exit_group") return EventType::kExit;
  return EventType::kUnknown;
}

}  // namespace ksight::rules
