#include "agent/syscall_names.h"

#include <unordered_map>
#include <utility>

namespace ksight::agent {

namespace {

struct Entry {
  uint32_t nr;
  const char* name;
};

constexpr Entry kTable[] = {
#include "agent/syscall_table_x86_64.inc"
};

const std::unordered_map<uint32_t, std::string>& by_number() {
  static const auto* map = [] {
    auto* m = new std::unordered_map<uint32_t, std::string>();
    for (const auto& e : kTable) m->emplace(e.nr, e.name);
    return m;
  }();
  return *map;
}

}  // namespace

std::string syscall_name(uint32_t nr) {
  auto it = by_number().find(nr);
  return it != by_number().end() ? it->second : "syscall_" + std::to_string(nr);
}

std::optional<uint32_t> syscall_number(std::string_view name) {
  for (const auto& e : kTable) {
    if (name == e.name) return e.nr;
  }
  return std::nullopt;
}

}  // namespace ksight::agent
