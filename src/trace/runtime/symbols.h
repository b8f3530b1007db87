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
  // "func", or "func+off" (decimal, as bpftrace prints stack frames).
  virtual std::string kernel_symbol(uint64_t addr, bool with_offset) = 0;
  virtual std::string user_symbol(uint32_t pid, uint64_t addr, bool with_offset) = 0;
  // The file a user address is in ("[unknown]" if none), for perf-mode stacks.
  virtual std::string user_module(uint32_t pid, uint64_t addr) = 0;
  // Frames (innermost first) of stack `id` in the kernel or user stack map
  // that keeps `frames` frames.
  virtual std::vector<uint64_t> stack(bool user, uint32_t frames, int32_t id) = 0;
};

}  // namespace ksight::trace::runtime
