#include "unwind/stack_snapshot.h"

#include <cstring>

namespace ksight::unwind {

std::optional<uint64_t> StackSnapshot::read_word(uint64_t address) const {
  if (address < sp()) return std::nullopt;
  uint64_t offset = address - sp();
  if (offset > stack.size() || stack.size() - offset < sizeof(uint64_t)) return std::nullopt;
  uint64_t value = 0;
  std::memcpy(&value, stack.data() + offset, sizeof(value));
  return value;
}

}  // namespace ksight::unwind
