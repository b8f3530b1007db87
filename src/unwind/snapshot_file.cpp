#include "unwind/snapshot_file.h"

#include <cstring>
#include <istream>
#include <ostream>

namespace ksight::unwind {
namespace {

constexpr char kMagic[8] = {'K', 'S', 'U', 'N', 'W', 'N', 'D', '1'};
constexpr uint32_t kMaxStack = 1u << 20;
constexpr uint32_t kMaxMaps = 16u << 20;

template <typename T>
void put(std::ostream& out, T value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof(value));
}

template <typename T>
bool get(std::istream& in, T* value) {
  return static_cast<bool>(in.read(reinterpret_cast<char*>(value), sizeof(*value)));
}

}  // namespace

void write_snapshot(std::ostream& out, const RecordedSnapshot& s) {
  out.write(kMagic, sizeof(kMagic));
  put(out, s.pid);
  put(out, s.tid);
  for (uint64_t r : s.regs) put(out, r);
  put(out, static_cast<uint32_t>(s.stack.size()));
  out.write(reinterpret_cast<const char*>(s.stack.data()), static_cast<long>(s.stack.size()));
  put(out, static_cast<uint32_t>(s.maps.size()));
  out.write(s.maps.data(), static_cast<long>(s.maps.size()));
}

std::optional<RecordedSnapshot> read_snapshot(std::istream& in) {
  char magic[sizeof(kMagic)];
  if (!in.read(magic, sizeof(magic)) || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) {
    return std::nullopt;
  }
  RecordedSnapshot s;
  uint32_t stack_size = 0, maps_size = 0;
  if (!get(in, &s.pid) || !get(in, &s.tid)) return std::nullopt;
  for (auto& r : s.regs) {
    if (!get(in, &r)) return std::nullopt;
  }
  if (!get(in, &stack_size) || stack_size > kMaxStack) return std::nullopt;
  s.stack.resize(stack_size);
  if (!in.read(reinterpret_cast<char*>(s.stack.data()), stack_size)) return std::nullopt;
  if (!get(in, &maps_size) || maps_size > kMaxMaps) return std::nullopt;
  s.maps.resize(maps_size);
  if (!in.read(s.maps.data(), maps_size)) return std::nullopt;
  return s;
}

}  // namespace ksight::unwind
