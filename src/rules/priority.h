#pragma once
// Rule priorities, most severe first (syslog's order, as Falco uses them).
#include <optional>
#include <string_view>

namespace ksight::rules {

enum class Priority {
  kEmergency,
  kAlert,
  kCritical,
  kError,
  kWarning,
  kNotice,
  kInformational,
  kDebug
};

// "Warning", "Informational", ... (the spelling Falco's JSON uses).
std::string_view priority_name(Priority p);
// Case-insensitive; accepts INFO for Informational.
std::optional<Priority> priority_from_name(std::string_view name);

}  // namespace ksight::rules
