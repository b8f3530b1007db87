#include "trace/codegen/insn_builder.h"

#include <stdexcept>

namespace ksight::trace::codegen {

namespace {

bpf_insn make(uint8_t code, int dst, int src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = static_cast<uint8_t>(dst);
  i.src_reg = static_cast<uint8_t>(src);
  i.off = off;
  i.imm = imm;
  return i;
}

}  // namespace

Size size_for_bytes(uint32_t bytes) {
  switch (bytes) {
    case 1:
      return kB;
    case 2:
      return kH;
    case 4:
      return kW;
    default:
      return kDW;
  }
}

InsnBuilder::Label InsnBuilder::new_label() {
  label_pos_.push_back(-1);
  return static_cast<Label>(label_pos_.size() - 1);
}

void InsnBuilder::bind(Label label) {
  label_pos_[label] = static_cast<long>(insns_.size());
}

void InsnBuilder::emit(bpf_insn insn) {
  insns_.push_back(insn);
  locs_.push_back(loc_);
}

void InsnBuilder::mov_imm(int dst, int32_t imm) {
  emit(make(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm));
}
void InsnBuilder::mov_reg(int dst, int src) {
  emit(make(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0));
}
void InsnBuilder::mov32_reg(int dst, int src) {
  emit(make(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0));
}

void InsnBuilder::ld_imm64(int dst, uint64_t imm) {
  if (static_cast<int64_t>(imm) == static_cast<int32_t>(imm)) {
    mov_imm(dst, static_cast<int32_t>(imm));
    return;
  }
  emit(make(BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, static_cast<int32_t>(imm & 0xffffffff)));
  emit(make(0, 0, 0, 0, static_cast<int32_t>(imm >> 32)));
}

void InsnBuilder::ld_map(int dst, int map_id) {
  relocs_.push_back({insns_.size(), map_id});
  emit(make(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, 0));
  emit(make(0, 0, 0, 0, 0));
}

void InsnBuilder::alu_imm(uint8_t op, int dst, int32_t imm) {
  emit(make(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm));
}
void InsnBuilder::alu_reg(uint8_t op, int dst, int src) {
  emit(make(BPF_ALU64 | op | BPF_X, dst, src, 0, 0));
}
void InsnBuilder::ldx(Size size, int dst, int src, int16_t off) {
  emit(make(BPF_LDX | size | BPF_MEM, dst, src, off, 0));
}
void InsnBuilder::stx(Size size, int dst, int16_t off, int src) {
  emit(make(BPF_STX | size | BPF_MEM, dst, src, off, 0));
}
void InsnBuilder::st_imm(Size size, int dst, int16_t off, int32_t imm) {
  emit(make(BPF_ST | size | BPF_MEM, dst, 0, off, imm));
}
void InsnBuilder::atomic_add(Size size, int dst, int16_t off, int src) {
  emit(make(BPF_STX | size | BPF_ATOMIC, dst, src, off, BPF_ADD));
}
void InsnBuilder::call(int helper) {
  emit(make(BPF_JMP | BPF_CALL, 0, 0, 0, helper));
}
void InsnBuilder::exit() {
  emit(make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

void InsnBuilder::jmp(Label target) {
  fixups_.push_back({insns_.size(), target});
  emit(make(BPF_JMP | BPF_JA, 0, 0, 0, 0));
}
void InsnBuilder::jmp_imm(uint8_t op, int reg, int32_t imm, Label target) {
  fixups_.push_back({insns_.size(), target});
  emit(make(BPF_JMP | op | BPF_K, reg, 0, 0, imm));
}
void InsnBuilder::jmp_reg(uint8_t op, int dst, int src, Label target) {
  fixups_.push_back({insns_.size(), target});
  emit(make(BPF_JMP | op | BPF_X, dst, src, 0, 0));
}

void InsnBuilder::finish() {
  for (const auto& f : fixups_) {
    long target = label_pos_.at(f.label);
    if (target < 0) throw std::logic_error("codegen: unbound label");
    long off = target - static_cast<long>(f.insn) - 1;
    if (off > INT16_MAX || off < INT16_MIN) throw std::length_error("codegen: jump too far");
    insns_[f.insn].off = static_cast<int16_t>(off);
  }
  fixups_.clear();
}

}  // namespace ksight::trace::codegen
