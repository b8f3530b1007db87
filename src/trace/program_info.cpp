#include "trace/program_info.h"

namespace ksight::trace {

using ast::TypeKind;

uint32_t value_size_of(const ast::Type& type) {
  switch (type.kind) {
    case TypeKind::kString:
      return (type.size + 7) / 8 * 8;
    case TypeKind::kUsym:
      return 16;
    case TypeKind::kInet:
      return 24;
    case TypeKind::kBytes:
      return (type.size + 7) / 8 * 8;
    case TypeKind::kMin:
    case TypeKind::kMax:
    case TypeKind::kAvg:
    case TypeKind::kStats:
      return 16;  // {value, set} or {count, sum}
    default:
      return 8;
  }
}

uint32_t MapInfo::user_key_size() const {
  uint32_t size = 0;
  for (const auto& k : key_types) size += value_size_of(k);
  return size == 0 ? 8 : size;
}

uint32_t MapInfo::value_size() const {
  return value_size_of(value);
}

MapInfo* ProgramInfo::find_map(const std::string& name) {
  for (auto& m : maps) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

namespace {
template <typename T>
int index_of(std::vector<T>& list, const T& item) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] == item) return static_cast<int>(i);
  }
  list.push_back(item);
  return static_cast<int>(list.size() - 1);
}
}  // namespace

int ProgramInfo::stack_map(bool user, uint32_t frames) {
  return index_of(stack_maps, StackMapSpec{user, frames});
}

int ProgramInfo::print_spec(const PrintSpec& spec) {
  return index_of(prints, spec);
}

int ProgramInfo::time_format(const std::string& format) {
  return index_of(time_formats, format);
}

bool ProgramInfo::uses_ustack() const {
  for (const auto& s : stack_maps) {
    if (s.user) return true;
  }
  return false;
}

}  // namespace ksight::trace
