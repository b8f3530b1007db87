#pragma once
// How output names addresses and stacks. The session implements this over
// the stack maps and ksight's Symbolizer; tests use a fake.
#include <cstdint>
#include <string>
#include <vector>

namespace ksight::trace::runtime {

class SymbolSource {
 public:
  virtual ~SymbolSource() = default;
  virtual std::string kernel_symbol(uint64_t addr, bool with_offset) = 0;
  virtual std::string user_symbol(uint32_t pid, uint64_t addr, bool with_offset) = 0;
  // Frames (innermost first) of stack `id` in the kernel or user stack map.
  virtual std::vector<uint64_t> stack(bool user, int32_t id) = 0;
};

}  // namespace ksight::trace::runtime
