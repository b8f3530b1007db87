#pragma once
// USDT argument specs from .note.stapsdt (x86_64, GNU as operand syntax):
//
//   args  := arg { " " arg }
//   arg   := [ size "@" ] operand          size: 1 2 4 8, negative = signed
//   operand := "%" reg                     value in a register
//            | "$" integer                 a constant
//            | [ integer ] "(" "%" reg ")" memory at reg + displacement
//
// e.g. "-4@%edi 8@-16(%rbp) 4@$5". Indexed forms "(%rax,%rbx,4)" and
// %rip-relative globals are refused with a message naming the argument.
//
// Why not libbpf's USDT support: it is built for clang-compiled programs
// (usdt.bpf.h looks the spec up in a map on every event and decodes it in
// BPF); ksight emits instructions directly, so each site's spec is decoded
// once here and becomes straight-line loads in that site's program.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ksight::trace {

struct UsdtArg {
  enum class Kind { kConstant, kRegister, kMemory };
  Kind kind = Kind::kConstant;
  int size = 8;  // bytes: 1, 2, 4 or 8
  bool is_signed = false;
  int64_t value = 0;     // the constant, or the memory displacement
  int regs_offset = -1;  // x86_64 struct pt_regs offset of the register
  std::string text;      // as written, for messages
};

// Throws Error("argument N 'TEXT': why") on a spec it cannot decode.
std::vector<UsdtArg> parse_usdt_args(std::string_view spec);

}  // namespace ksight::trace
