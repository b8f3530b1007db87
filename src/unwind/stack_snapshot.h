#pragma once
// What the unwinder starts from: a thread's user registers at the sample and
// the bytes of its stack from the stack pointer upwards.
#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace ksight::unwind {

// DWARF x86_64 register numbers (System V psABI, figure 3.36).
inline constexpr int kRegRbp = 6;
inline constexpr int kRegRsp = 7;
inline constexpr int kRegRip = 16;
inline constexpr int kUserRegs = 17;

using UserRegs = std::array<uint64_t, kUserRegs>;

struct StackSnapshot {
  uint32_t pid = 0;
  uint32_t tid = 0;
  UserRegs regs{};
  std::span<const uint8_t> stack;  // stack[0] is the byte at regs[kRegRsp]

  uint64_t sp() const { return regs[kRegRsp]; }
  uint64_t ip() const { return regs[kRegRip]; }
  // The 8-byte word at `address`, when it lies inside the copy.
  std::optional<uint64_t> read_word(uint64_t address) const;
};

}  // namespace ksight::unwind
