#include "rules/priority.h"

#include <array>
#include <cctype>

namespace ksight::rules {

namespace {

constexpr std::array<std::string_view, 8> kNames = {
    "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view priority_name(Priority p) {
  return kNames[static_cast<size_t>(p)];
}

std::optional<Priority> priority_from_name(std::string_view name) {
  if (iequals(name, "info")) return Priority::kInformational;
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (iequals(name, kNames[i])) return static_cast<Priority>(i);
  }
  return std::nullopt;
}

}  // namespace ksight::rules
