#pragma once
// SecurityEvent <-> one JSON object (the replay format of
// `ksight detect --replay FILE.jsonl`, one event per line; see event.h for
// the field meanings). Keys, all optional except "type":
//   type     "execve", "openat", ... (event_type_name)
//   ts       ns since the epoch          res   syscall return value
//   proc     {pid, ppid, tid, comm, exe, args[], cmdline, cwd, tty, uid, gid,
//             user, loginuid, cap_effective, ancestors[], pexe, pcmdline,
//             exe_from_memfd}
//   fd       {name, type (one typechar), sip, sport, dip, dport, l4proto,
//             server (bool)}
//   args     {name: value, ...} (values as strings; numbers are converted)
//   container  container id ("host" when absent)
//   pod_uid    k8s pod uid
// Blank lines and lines starting with '#' are skipped by the reader.
#include <optional>
#include <string>
#include <string_view>

#include "rules/event.h"

namespace ksight::rules {

// Parses one line. On failure returns nullopt and sets *error.
std::optional<SecurityEvent> event_from_json(std::string_view line, std::string* error);
std::string event_to_json(const SecurityEvent& event);

}  // namespace ksight::rules
