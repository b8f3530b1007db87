// Expressions: integers end in R0, everything else in scratch memory.
#include "trace/codegen/generator.h"
#include "trace/passes/semantic_analyser.h"
#include "trace/usdt_args.h"

namespace ksight::trace::codegen {

using ast::NodeKind;
using ast::TypeKind;

namespace {

// x86_64 struct pt_regs offsets (uprobes, and the regs of perf samples).
constexpr int16_t kRegArgs[] = {112, 104, 96, 88, 72, 64};  // rdi rsi rdx rcx r8 r9
constexpr int16_t kRegRax = 80;
constexpr int32_t kAfInet = 2, kAfInet6 = 10;

}  // namespace

bool Generator::user_space_pointers() const {
  switch (probe_.spec.type) {
    case ProbeType::kUprobe:
    case ProbeType::kUretprobe:
    case ProbeType::kUsdt:
      return true;
    case ProbeType::kTracepoint:
      return probe_.spec.target == "syscalls";
    default:
      return false;
  }
}

void Generator::store_value(ast::Expr* e, int32_t off, uint32_t size) {
  if (in_register(e->type.kind)) {
    int_expr(e);
    b_.stx(kDW, kScratch, static_cast<int16_t>(off), BPF_REG_0);
    return;
  }
  Slot s = value_expr(e);
  copy_scratch(off, size, s.off, s.size);
}

void Generator::int_expr(ast::Expr* e) {
  switch (e->kind) {
    case NodeKind::kInteger:
      b_.ld_imm64(BPF_REG_0, static_cast<uint64_t>(static_cast<ast::Integer*>(e)->value));
      return;
    case NodeKind::kBuiltin:
      return builtin(static_cast<ast::Builtin*>(e));
    case NodeKind::kVariable:
      b_.ldx(kDW, BPF_REG_0, BPF_REG_10, int_vars_.at(static_cast<ast::Variable*>(e)->name));
      return;
    case NodeKind::kMap:
      return map_read_int(static_cast<ast::Map*>(e));
    case NodeKind::kCall:
      return call_int(static_cast<ast::Call*>(e));
    case NodeKind::kBinop:
      return binop(static_cast<ast::Binop*>(e));
    case NodeKind::kTernary:
      return ternary_int(static_cast<ast::Ternary*>(e));
    case NodeKind::kField:
      return field_int(static_cast<ast::Field*>(e));
    case NodeKind::kPositional:
      b_.ld_imm64(BPF_REG_0, static_cast<uint64_t>(static_cast<ast::Positional*>(e)->value));
      return;
    case NodeKind::kSizeof:
      b_.ld_imm64(BPF_REG_0, static_cast<uint64_t>(static_cast<ast::Sizeof*>(e)->value));
      return;
    case NodeKind::kCast:
      return cast(static_cast<ast::Cast*>(e));
    case NodeKind::kIncDec:
      return inc_dec(static_cast<ast::IncDec*>(e));
    case NodeKind::kUnop: {
      auto* u = static_cast<ast::Unop*>(e);
      int_expr(u->operand);
      if (u->op == ast::Op::kNeg) {
        b_.alu_imm(BPF_NEG, BPF_REG_0, 0);
      } else if (u->op == ast::Op::kBnot) {
        b_.alu_imm(BPF_XOR, BPF_REG_0, -1);
      } else {
        auto done = b_.new_label();
        b_.mov_reg(BPF_REG_1, BPF_REG_0);
        b_.mov_imm(BPF_REG_0, 1);
        b_.jmp_imm(BPF_JEQ, BPF_REG_1, 0, done);
        b_.mov_imm(BPF_REG_0, 0);
        b_.bind(done);
      }
      return;
    }
    default:
      error(e->loc, "codegen: not an integer expression");
  }
}

Slot Generator::value_expr(ast::Expr* e) {
  switch (e->kind) {
    case NodeKind::kString: {
      auto* s = static_cast<ast::String*>(e);
      return string_literal(s->value, e->type.size);
    }
    case NodeKind::kBuiltin:
      return string_builtin(static_cast<ast::Builtin*>(e));
    case NodeKind::kVariable:
      return value_vars_.at(static_cast<ast::Variable*>(e)->name);
    case NodeKind::kMap:
      return map_read_value(static_cast<ast::Map*>(e));
    case NodeKind::kCall:
      return call_value(static_cast<ast::Call*>(e));
    case NodeKind::kTernary:
      return ternary_value(static_cast<ast::Ternary*>(e));
    case NodeKind::kField:
      return field_string(static_cast<ast::Field*>(e));
    case NodeKind::kPositional:
      return string_literal(static_cast<ast::Positional*>(e)->text, e->type.size);
    default:
      error(e->loc, "codegen: not a value expression");
  }
}

void Generator::builtin(ast::Builtin* bi) {
  const std::string& n = bi->name;
  if (n == "pid" || n == "tid") {
    b_.call(BPF_FUNC_get_current_pid_tgid);
    if (n == "pid") b_.alu_imm(BPF_RSH, BPF_REG_0, 32);
    if (n == "tid") b_.mov32_reg(BPF_REG_0, BPF_REG_0);
  } else if (n == "uid" || n == "gid") {
    b_.call(BPF_FUNC_get_current_uid_gid);
    if (n == "gid") b_.alu_imm(BPF_RSH, BPF_REG_0, 32);
    if (n == "uid") b_.mov32_reg(BPF_REG_0, BPF_REG_0);
  } else if (n == "cpu") {
    b_.call(BPF_FUNC_get_smp_processor_id);
  } else if (n == "nsecs" || n == "elapsed") {
    b_.call(BPF_FUNC_ktime_get_ns);
    if (n == "elapsed") {
      b_.ld_imm64(BPF_REG_1, opts_.start_ns);
      b_.alu_reg(BPF_SUB, BPF_REG_0, BPF_REG_1);
    }
  } else if (n == "cpid") {
    b_.ld_imm64(BPF_REG_0, static_cast<uint64_t>(opts_.child_pid));
  } else if (n == "cgroup") {
    b_.call(BPF_FUNC_get_current_cgroup_id);
  } else if (n == "kstack" || n == "ustack") {
    stack_id(bi->type);
  } else if (n == "retval") {
    b_.ldx(kDW, BPF_REG_0, kCtx, kRegRax);
  } else if (n.rfind("arg", 0) == 0) {
    int idx = n[3] - '0';
    if (probe_.spec.type == ProbeType::kUsdt) {
      usdt_arg(idx);
    } else if (probe_.spec.type == ProbeType::kRawTracepoint) {
      b_.ldx(kDW, BPF_REG_0, kCtx, static_cast<int16_t>(8 * idx));
    } else {
      b_.ldx(kDW, BPF_REG_0, kCtx, kRegArgs[idx]);
    }
  } else {
    error(bi->loc, "codegen: unsupported builtin " + n);
  }
}

// argN of a USDT site, as its note describes it: a constant, a register, or
// memory at register + displacement (read with bpf_probe_read_user), then
// sign- or zero-extended from the spec's width.
void Generator::usdt_arg(int index) {
  const UsdtArg arg = parse_usdt_args(probe_.spec.usdt_args).at(static_cast<size_t>(index));
  if (arg.kind == UsdtArg::Kind::kConstant) {
    b_.ld_imm64(BPF_REG_0, static_cast<uint64_t>(arg.value));
    return;
  }
  b_.ldx(kDW, BPF_REG_0, kCtx, static_cast<int16_t>(arg.regs_offset));
  if (arg.kind == UsdtArg::Kind::kMemory) {
    int32_t slot = alloc_scratch(8);
    b_.st_imm(kDW, kScratch, static_cast<int16_t>(slot), 0);
    b_.mov_reg(BPF_REG_3, BPF_REG_0);
    b_.ld_imm64(BPF_REG_1, static_cast<uint64_t>(arg.value));
    b_.alu_reg(BPF_ADD, BPF_REG_3, BPF_REG_1);
    scratch_ptr(BPF_REG_1, slot);
    b_.mov_imm(BPF_REG_2, arg.size);
    b_.call(BPF_FUNC_probe_read_user);
    b_.ldx(kDW, BPF_REG_0, kScratch, static_cast<int16_t>(slot));
  }
  if (arg.size < 8) {
    int32_t shift = 64 - 8 * arg.size;
    b_.alu_imm(BPF_LSH, BPF_REG_0, shift);
    b_.alu_imm(arg.is_signed ? BPF_ARSH : BPF_RSH, BPF_REG_0, shift);
  }
}

Slot Generator::string_builtin(ast::Builtin* bi) {
  if (bi->name == "comm") {
    Slot s{alloc_scratch(16), 16};
    scratch_ptr(BPF_REG_1, s.off);
    b_.mov_imm(BPF_REG_2, 16);
    b_.call(BPF_FUNC_get_current_comm);
    return s;
  }
  const std::string& text = bi->name == "probe" ? probe_.spec.name() : probe_.spec.func;
  return string_literal(text, bi->type.size);
}

// The ustack value packs the pid in the high half so user space knows
// whose address space the frames belong to.
void Generator::stack_id(const ast::Type& type) {
  bool user = type.kind == TypeKind::kUstack;
  kernel_stack_ = kernel_stack_ || !user;
  b_.mov_reg(BPF_REG_1, kCtx);
  b_.ld_map(BPF_REG_2, stack_map_id(info_.stack_map(user, type.stack_frames)));
  b_.mov_imm(BPF_REG_3, user ? BPF_F_USER_STACK : 0);
  b_.call(BPF_FUNC_get_stackid);
  if (!user) return;
  int16_t slot = alloc_stack();
  b_.mov32_reg(BPF_REG_0, BPF_REG_0);
  b_.stx(kDW, BPF_REG_10, slot, BPF_REG_0);
  b_.call(BPF_FUNC_get_current_pid_tgid);
  b_.alu_imm(BPF_RSH, BPF_REG_0, 32);
  b_.alu_imm(BPF_LSH, BPF_REG_0, 32);
  b_.ldx(kDW, BPF_REG_1, BPF_REG_10, slot);
  b_.alu_reg(BPF_OR, BPF_REG_0, BPF_REG_1);
}

void Generator::field_int(ast::Field* f) {
  reads_context_ = true;
  const TracepointField* tf = probe_.spec.format.find(f->field);
  if (tf->size != 1 && tf->size != 2 && tf->size != 4 && tf->size != 8) {
    error(f->loc, "field " + f->field + " has an unsupported size");
  }
  b_.ldx(size_for_bytes(tf->size), BPF_REG_0, kCtx, static_cast<int16_t>(tf->offset));
  if (tf->is_signed && tf->size < 8) {
    int shift = 64 - 8 * static_cast<int>(tf->size);
    b_.alu_imm(BPF_LSH, BPF_REG_0, shift);
    b_.alu_imm(BPF_ARSH, BPF_REG_0, shift);
  }
}

Slot Generator::field_string(ast::Field* f) {
  reads_context_ = true;
  const TracepointField* tf = probe_.spec.format.find(f->field);
  Slot s{alloc_scratch(f->type.size), f->type.size};
  if (tf->data_loc) {
    // __data_loc: the low 16 bits are the string's offset in the record.
    b_.ldx(kW, BPF_REG_3, kCtx, static_cast<int16_t>(tf->offset));
    b_.alu_imm(BPF_AND, BPF_REG_3, 0xffff);
    b_.alu_reg(BPF_ADD, BPF_REG_3, kCtx);
    scratch_ptr(BPF_REG_1, s.off);
    b_.mov_imm(BPF_REG_2, static_cast<int32_t>(s.size));
    b_.call(BPF_FUNC_probe_read_kernel_str);
    return s;
  }
  for (uint32_t i = 0; i < tf->array_len && i < s.size; ++i) {
    b_.ldx(kB, BPF_REG_1, kCtx, static_cast<int16_t>(tf->offset + i));
    b_.stx(kB, kScratch, static_cast<int16_t>(s.off + i), BPF_REG_1);
  }
  return s;
}

Slot Generator::read_str(ast::Expr* ptr, uint32_t size) {
  int_expr(ptr);
  Slot s{alloc_scratch(size), size};
  b_.mov_reg(BPF_REG_3, BPF_REG_0);
  scratch_ptr(BPF_REG_1, s.off);
  b_.mov_imm(BPF_REG_2, static_cast<int32_t>(size));
  b_.call(user_space_pointers() ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_kernel_str);
  return s;
}

Slot Generator::call_value(ast::Call* c) {
  if (c->func == "str") {
    if (!c->args[0]->type.is_string()) return read_str(c->args[0], c->type.size);
    Slot s = value_expr(c->args[0]);
    if (c->type.size >= s.size) return s;
    // str(comm, n): the first n characters, then the terminator.
    Slot cut{alloc_scratch(c->type.size), c->type.size};
    copy_scratch(cut.off, cut.size, s.off, s.size);
    b_.st_imm(kB, kScratch, static_cast<int16_t>(cut.off + cut.size - 1), 0);
    return cut;
  }
  if (c->func == "ntop") return ntop(c);
  if (c->func == "usym") {
    Slot s{alloc_scratch(16), 16};
    int_expr(c->args[0]);
    b_.stx(kDW, kScratch, static_cast<int16_t>(s.off), BPF_REG_0);
    b_.call(BPF_FUNC_get_current_pid_tgid);
    b_.alu_imm(BPF_RSH, BPF_REG_0, 32);
    b_.stx(kDW, kScratch, static_cast<int16_t>(s.off + 8), BPF_REG_0);
    return s;
  }
  error(c->loc, "codegen: " + c->func + "() has no value");
}

void Generator::call_int(ast::Call* c) {
  if (c->func == "ksym") return int_expr(c->args[0]);
  if (c->func == "reg") {
    const std::string& name = static_cast<ast::String*>(c->args[0])->value;
    b_.ldx(kDW, BPF_REG_0, kCtx, static_cast<int16_t>(pt_regs_offset(name)));
    return;
  }
  if (c->func == "kstack" || c->func == "ustack") return stack_id(c->type);
  if (c->func == "strftime") return int_expr(c->args[1]);
  error(c->loc, "codegen: " + c->func + "() is not an integer");
}

void Generator::binop(ast::Binop* bo) {
  using ast::Op;
  if (bo->op == Op::kLand || bo->op == Op::kLor) return logical(bo);
  if (bo->lhs->type.is_string()) return string_compare(bo);
  int16_t slot = alloc_stack();
  int_expr(bo->lhs);
  b_.stx(kDW, BPF_REG_10, slot, BPF_REG_0);
  int_expr(bo->rhs);
  b_.mov_reg(BPF_REG_1, BPF_REG_0);
  b_.ldx(kDW, BPF_REG_0, BPF_REG_10, slot);
  bool is_signed = bo->lhs->type.is_signed && bo->rhs->type.is_signed;
  uint8_t alu = 0, jmp = 0;
  switch (bo->op) {
    case Op::kAdd:
      alu = BPF_ADD;
      break;
    case Op::kSub:
      alu = BPF_SUB;
      break;
    case Op::kMul:
      alu = BPF_MUL;
      break;
    case Op::kDiv:
      alu = BPF_DIV;
      break;
    case Op::kMod:
      alu = BPF_MOD;
      break;
    case Op::kBand:
      alu = BPF_AND;
      break;
    case Op::kBor:
      alu = BPF_OR;
      break;
    case Op::kBxor:
      alu = BPF_XOR;
      break;
    case Op::kShl:
      alu = BPF_LSH;
      break;
    case Op::kShr:
      alu = bo->lhs->type.is_signed ? BPF_ARSH : BPF_RSH;
      break;
    case Op::kEq:
      jmp = BPF_JEQ;
      break;
    case Op::kNe:
      jmp = BPF_JNE;
      break;
    case Op::kLt:
      jmp = is_signed ? BPF_JSLT : BPF_JLT;
      break;
    case Op::kLe:
      jmp = is_signed ? BPF_JSLE : BPF_JLE;
      break;
    case Op::kGt:
      jmp = is_signed ? BPF_JSGT : BPF_JGT;
      break;
    case Op::kGe:
      jmp = is_signed ? BPF_JSGE : BPF_JGE;
      break;
    default:
      error(bo->loc, "codegen: bad operator");
  }
  if (!jmp && is_signed && (alu == BPF_DIV || alu == BPF_MOD)) return signed_divide(alu);
  if (!jmp) {
    b_.alu_reg(alu, BPF_REG_0, BPF_REG_1);
    return;
  }
  auto yes = b_.new_label();
  b_.mov_reg(BPF_REG_2, BPF_REG_0);
  b_.mov_imm(BPF_REG_0, 1);
  b_.jmp_reg(jmp, BPF_REG_2, BPF_REG_1, yes);
  b_.mov_imm(BPF_REG_0, 0);
  b_.bind(yes);
}

// r0 = r0 / r1 or r0 % r1 with C's signed semantics (truncation toward
// zero, the remainder takes the dividend's sign). BPF_DIV/BPF_MOD are
// unsigned, and the signed forms need cpu v4 (Linux 6.6), so divide the
// magnitudes and fix the sign. Division by zero stays BPF's: 0, and the
// dividend for %.
void Generator::signed_divide(uint8_t alu) {
  b_.mov_reg(BPF_REG_2, BPF_REG_0);
  if (alu == BPF_DIV) b_.alu_reg(BPF_XOR, BPF_REG_2, BPF_REG_1);  // sign of the quotient
  for (int reg : {BPF_REG_0, BPF_REG_1}) {
    auto positive = b_.new_label();
    b_.jmp_imm(BPF_JSGE, reg, 0, positive);
    b_.alu_imm(BPF_NEG, reg, 0);
    b_.bind(positive);
  }
  b_.alu_reg(alu, BPF_REG_0, BPF_REG_1);
  auto done = b_.new_label();
  b_.jmp_imm(BPF_JSGE, BPF_REG_2, 0, done);
  b_.alu_imm(BPF_NEG, BPF_REG_0, 0);
  b_.bind(done);
}

void Generator::logical(ast::Binop* bo) {
  bool is_and = bo->op == ast::Op::kLand;
  auto short_circuit = b_.new_label();
  auto end = b_.new_label();
  int_expr(bo->lhs);
  b_.jmp_imm(is_and ? BPF_JEQ : BPF_JNE, BPF_REG_0, 0, short_circuit);
  int_expr(bo->rhs);
  b_.jmp_imm(is_and ? BPF_JEQ : BPF_JNE, BPF_REG_0, 0, short_circuit);
  b_.mov_imm(BPF_REG_0, is_and ? 1 : 0);
  b_.jmp(end);
  b_.bind(short_circuit);
  b_.mov_imm(BPF_REG_0, is_and ? 0 : 1);
  b_.bind(end);
}

// Byte-wise, unrolled up to the shorter buffer (plus the longer one's NUL).
void Generator::string_compare(ast::Binop* bo) {
  Slot a = value_expr(bo->lhs);
  Slot c = value_expr(bo->rhs);
  auto eq = b_.new_label(), ne = b_.new_label(), end = b_.new_label();
  uint32_t n = std::min(a.size, c.size);
  for (uint32_t i = 0; i < n; ++i) {
    b_.ldx(kB, BPF_REG_1, kScratch, static_cast<int16_t>(a.off + i));
    b_.ldx(kB, BPF_REG_2, kScratch, static_cast<int16_t>(c.off + i));
    b_.jmp_reg(BPF_JNE, BPF_REG_1, BPF_REG_2, ne);
    b_.jmp_imm(BPF_JEQ, BPF_REG_1, 0, eq);
  }
  if (a.size != c.size) {
    const Slot& longer = a.size > c.size ? a : c;
    b_.ldx(kB, BPF_REG_1, kScratch, static_cast<int16_t>(longer.off + n));
    b_.jmp_imm(BPF_JNE, BPF_REG_1, 0, ne);
  }
  bool want_eq = bo->op == ast::Op::kEq;
  b_.bind(eq);
  b_.mov_imm(BPF_REG_0, want_eq ? 1 : 0);
  b_.jmp(end);
  b_.bind(ne);
  b_.mov_imm(BPF_REG_0, want_eq ? 0 : 1);
  b_.bind(end);
}

void Generator::ternary_int(ast::Ternary* t) {
  auto other = b_.new_label(), end = b_.new_label();
  int_expr(t->cond);
  b_.jmp_imm(BPF_JEQ, BPF_REG_0, 0, other);
  int_expr(t->then_expr);
  b_.jmp(end);
  b_.bind(other);
  int_expr(t->else_expr);
  b_.bind(end);
}

Slot Generator::ternary_value(ast::Ternary* t) {
  uint32_t size = value_size_of(t->type);
  Slot dst{alloc_scratch(size), size};
  auto other = b_.new_label(), end = b_.new_label();
  int_expr(t->cond);
  b_.jmp_imm(BPF_JEQ, BPF_REG_0, 0, other);
  store_value(t->then_expr, dst.off, size);
  b_.jmp(end);
  b_.bind(other);
  store_value(t->else_expr, dst.off, size);
  b_.bind(end);
  return dst;
}

// Truncate to the width, then sign- or zero-extend back to 64 bits.
void Generator::cast(ast::Cast* c) {
  int_expr(c->operand);
  uint32_t bytes = c->type.size;
  if (bytes >= 8) return;
  int32_t shift = 64 - 8 * static_cast<int32_t>(bytes);
  b_.alu_imm(BPF_LSH, BPF_REG_0, shift);
  b_.alu_imm(c->type.is_signed ? BPF_ARSH : BPF_RSH, BPF_REG_0, shift);
}

// ++/-- of a variable; maps in codegen_maps.cpp. R0 = the expression's value.
void Generator::inc_dec(ast::IncDec* d) {
  if (d->target->kind == NodeKind::kMap) return map_inc_dec(d);
  int16_t slot = int_vars_.at(static_cast<ast::Variable*>(d->target)->name);
  b_.ldx(kDW, BPF_REG_0, BPF_REG_10, slot);
  b_.mov_reg(BPF_REG_1, BPF_REG_0);
  b_.alu_imm(BPF_ADD, BPF_REG_1, d->increment ? 1 : -1);
  b_.stx(kDW, BPF_REG_10, slot, BPF_REG_1);
  if (d->prefix) b_.mov_reg(BPF_REG_0, BPF_REG_1);
}

// {u64 family, u8 address[16]}: an integer address fills the first 8 bytes
// (IPv4 in its low 4, as bpftrace stores it), an array field is copied.
Slot Generator::ntop(ast::Call* c) {
  Slot s{alloc_scratch(24), 24};
  ast::Expr* addr = c->args.back();
  if (c->args.size() == 2) {
    int_expr(c->args[0]);
    b_.stx(kDW, kScratch, static_cast<int16_t>(s.off), BPF_REG_0);
  } else {
    bool v6 = addr->type.kind == TypeKind::kBytes && addr->type.size == 16;
    b_.st_imm(kDW, kScratch, static_cast<int16_t>(s.off), v6 ? kAfInet6 : kAfInet);
  }
  zero_scratch(s.off + 8, 16);
  if (addr->type.is_int()) {
    int_expr(addr);
    b_.stx(kDW, kScratch, static_cast<int16_t>(s.off + 8), BPF_REG_0);
    return s;
  }
  reads_context_ = true;
  const TracepointField* tf = probe_.spec.format.find(static_cast<ast::Field*>(addr)->field);
  for (uint32_t i = 0; i < tf->size && i < 16; ++i) {
    b_.ldx(kB, BPF_REG_1, kCtx, static_cast<int16_t>(tf->offset + i));
    b_.stx(kB, kScratch, static_cast<int16_t>(s.off + 8 + i), BPF_REG_1);
  }
  return s;
}

Slot Generator::string_literal(const std::string& value, uint32_t size) {
  uint32_t padded = (std::max<uint32_t>(size, value.size() + 1) + 7) / 8 * 8;
  Slot s{alloc_scratch(padded), padded};
  for (uint32_t i = 0; i < padded; i += 8) {
    uint64_t word = 0;
    for (uint32_t j = 0; j < 8 && i + j < value.size(); ++j) {
      word |= static_cast<uint64_t>(static_cast<uint8_t>(value[i + j])) << (8 * j);
    }
    b_.ld_imm64(BPF_REG_1, word);
    b_.stx(kDW, kScratch, static_cast<int16_t>(s.off + i), BPF_REG_1);
  }
  return s;
}

}  // namespace ksight::trace::codegen
