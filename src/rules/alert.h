#pragma once
// An alert: what a rule produced for one event, and its JSON line in
// Falco's schema:
//   {"time":"2026-11-22T01:38:16.123456789Z","rule":"...","priority":"Warning",
//    "source":"syscall","hostname":"node-1","output":"01:38:16.123456789: Warning ...",
//    "output_fields":{"proc.name":"bash","proc.pid":42,...},"tags":["T1059",...]}
#include <cstdint>
#include <string>
#include <vector>

#include "rules/output_format.h"
#include "rules/priority.h"

namespace ksight::rules {

struct Alert {
  uint64_t time_ns = 0;  // event time, ns since the epoch
  std::string rule;
  Priority priority = Priority::kWarning;
  std::string source = "syscall";
  std::string hostname;
  std::string output;  // "<time>: <Priority> <rendered output>", as Falco prints it
  std::vector<OutputField> output_fields;
  std::vector<std::string> tags;
};

// RFC 3339 UTC with nanoseconds: 2026-11-22T01:38:16.123456789Z
std::string format_rfc3339_ns(uint64_t ns);
// One JSON object, no trailing newline.
std::string alert_to_json(const Alert& alert);

}  // namespace ksight::rules
