#pragma once
// Emits eBPF instructions with forward labels, map relocations and, for each
// instruction, the source location it came from (so a verifier rejection at
// instruction N can be shown at the statement that produced it).
#include <linux/bpf.h>

#include <cstdint>
#include <vector>

#include "trace/ast/ast.h"

namespace ksight::trace::codegen {

// Maps the generator needs besides the user's maps (user maps use their
// MapInfo id, >= 0).
enum InternalMap : int {
  kScratchMap = -1,  // per-CPU array, one big value used as scratch memory
  kRingbufMap = -2,  // records to user space
  // BPF_MAP_TYPE_STACK_TRACE maps: kStackMapBase - i for
  // ProgramInfo::stack_maps[i].
  kStackMapBase = -16,
};

constexpr int stack_map_id(int index) {
  return kStackMapBase - index;
}

struct MapReloc {
  size_t insn = 0;  // index of the ld_imm64 whose imm gets the map fd
  int map_id = 0;
};

enum Size : uint8_t { kB = BPF_B, kH = BPF_H, kW = BPF_W, kDW = BPF_DW };

Size size_for_bytes(uint32_t bytes);

class InsnBuilder {
 public:
  using Label = int;

  Label new_label();
  void bind(Label label);
  void set_location(ast::Location loc) { loc_ = loc; }

  void mov_imm(int dst, int32_t imm);
  void mov_reg(int dst, int src);
  void mov32_reg(int dst, int src);  // zero-extends the low 32 bits
  void ld_imm64(int dst, uint64_t imm);
  void ld_map(int dst, int map_id);
  void alu_imm(uint8_t op, int dst, int32_t imm);  // op: BPF_ADD, BPF_RSH, ...
  void alu_reg(uint8_t op, int dst, int src);
  void ldx(Size size, int dst, int src, int16_t off);
  void stx(Size size, int dst, int16_t off, int src);
  void st_imm(Size size, int dst, int16_t off, int32_t imm);
  void atomic_add(Size size, int dst, int16_t off, int src);  // lock *(dst + off) += src
  void call(int helper);
  void exit();
  void jmp(Label target);
  void jmp_imm(uint8_t op, int reg, int32_t imm, Label target);  // op: BPF_JEQ, ...
  void jmp_reg(uint8_t op, int dst, int src, Label target);

  size_t size() const { return insns_.size(); }
  // Resolves labels; call once after the last instruction.
  void finish();

  const std::vector<bpf_insn>& insns() const { return insns_; }
  const std::vector<MapReloc>& relocs() const { return relocs_; }
  const std::vector<ast::Location>& locations() const { return locs_; }

 private:
  void emit(bpf_insn insn);
  struct Fixup {
    size_t insn;
    Label label;
  };
  std::vector<bpf_insn> insns_;
  std::vector<ast::Location> locs_;
  std::vector<MapReloc> relocs_;
  std::vector<long> label_pos_;
  std::vector<Fixup> fixups_;
  ast::Location loc_;
};

}  // namespace ksight::trace::codegen
