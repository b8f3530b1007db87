#pragma once
// SecurityEventRecord (the kernel feed's decoded record) -> the rules
// engine's ksight::rules::SecurityEvent, following the filling guide in
// src/rules/event.h. Records say what one syscall did; rules also ask about
// the process around it (exe, args and ancestors of a process that exec'd
// before the event), so the converter keeps a small bounded table of what
// exec events taught it, with /proc as the fallback for processes that
// started before us.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/security_events.h"
#include "rules/event.h"

namespace ksight::agent {

// What we remember about a process between its events.
struct SecurityProcessBrief {
  uint32_t ppid = 0;
  std::string comm;
  std::string exe;
  std::vector<std::string> args;  // argv incl. argv[0]
  std::string cwd;
  // Start, CLOCK_BOOTTIME ns (0 = unknown): /proc/PID/stat starttime, or
  // the first exec we saw (proc.duration).
  uint64_t start_boot_ns = 0;
};

// Reads a process we have not seen exec ("/proc/PID/{stat,exe,cmdline,cwd}").
using SecurityProcReader = std::function<std::optional<SecurityProcessBrief>(uint32_t pid)>;
std::optional<SecurityProcessBrief> read_proc_brief(uint32_t pid);

// Fills only what the record itself carries (no process context).
rules::SecurityEvent to_rules_event(const SecurityEventRecord& record);

// The rules event type of a record's syscall.
rules::EventType rules_event_type(SecuritySyscall syscall);

class SecurityRulesConverter {
 public:
  explicit SecurityRulesConverter(SecurityProcReader reader = read_proc_brief,
                                  size_t max_processes = 32768, size_t max_ancestors = 8);

  // Converts and updates the process table (exec records teach, exit
  // records forget).
  rules::SecurityEvent convert(const SecurityEventRecord& record);

  size_t size() const { return procs_.size(); }

 private:
  const SecurityProcessBrief* find(uint32_t pid);
  void learn(const SecurityEventRecord& r);
  void fill_process(const SecurityEventRecord& r, rules::SecurityEvent& out);
  SecurityProcReader reader_;
  size_t max_processes_;
  size_t max_ancestors_;
  std::unordered_map<uint32_t, SecurityProcessBrief> procs_;
};

}  // namespace ksight::agent
