// Statements, control flow and memory bookkeeping of the code generator.
#include <cstring>

#include "trace/codegen/generator.h"
#include "trace/diagnostics.h"
#include "trace/passes/semantic_analyser.h"

namespace ksight::trace::codegen {

using ast::NodeKind;

namespace {
constexpr int kStackSize = 512;
}

bpf_prog_type program_type(ProbeType probe) {
  switch (probe) {
    case ProbeType::kTracepoint:
      return BPF_PROG_TYPE_TRACEPOINT;
    case ProbeType::kUprobe:
    case ProbeType::kUretprobe:
    case ProbeType::kUsdt:
      return BPF_PROG_TYPE_KPROBE;
    case ProbeType::kProfile:
      return BPF_PROG_TYPE_PERF_EVENT;
    // BEGIN/END/interval run through BPF_PROG_TEST_RUN, which raw
    // tracepoint programs support with a caller-supplied context.
    default:
      return BPF_PROG_TYPE_RAW_TRACEPOINT;
  }
}

ProbeProgram generate(const ConcreteProbe& probe, std::string_view source, ProgramInfo& info,
                      const CodegenOptions& options) {
  SemanticAnalyser(source, info).analyse(probe);
  return Generator(probe, source, info, options).run();
}

void Generator::error(ast::Location loc, const std::string& msg) {
  fail(src_, loc, msg);
}

ProbeProgram Generator::run() {
  exit_label_ = b_.new_label();
  b_.set_location(probe_.probe->loc);
  prologue();
  declare_vars(probe_.probe->block);
  if (probe_.probe->predicate) {
    b_.set_location(probe_.probe->predicate->loc);
    int_expr(probe_.probe->predicate);
    b_.jmp_imm(BPF_JEQ, BPF_REG_0, 0, exit_label_);
  }
  stmts(probe_.probe->block);
  b_.bind(exit_label_);
  b_.mov_imm(BPF_REG_0, 0);
  b_.exit();
  b_.finish();
  ProbeProgram out;
  out.name = probe_.spec.name();
  out.type = program_type(probe_.spec.type);
  // A tracepoint block that never reads `args` runs as a raw tracepoint:
  // same hook, but the kernel skips building the perf record (about half
  // the per-event cost). Syscall events have no raw tracepoint of their own.
  // A kstack stays a perf tracepoint: from a raw tracepoint the stack starts
  // inside the BPF dispatch (bpf_trace_runN, __bpf_trace_*), not at the
  // tracepoint as bpftrace shows it.
  if (probe_.spec.type == ProbeType::kTracepoint && !reads_context_ && !kernel_stack_ &&
      probe_.spec.target != "syscalls") {
    out.type = BPF_PROG_TYPE_RAW_TRACEPOINT;
  }
  out.insns = b_.insns();
  out.relocs = b_.relocs();
  out.locations = b_.locations();
  return out;
}

// R6 = ctx; optional pid filter; R9 = this CPU's scratch value.
void Generator::prologue() {
  b_.mov_reg(kCtx, BPF_REG_1);
  bool user_probe = probe_.spec.type == ProbeType::kUprobe ||
                    probe_.spec.type == ProbeType::kUretprobe ||
                    probe_.spec.type == ProbeType::kUsdt;
  bool timed = probe_.spec.type == ProbeType::kBegin || probe_.spec.type == ProbeType::kEnd ||
               probe_.spec.type == ProbeType::kInterval;
  // uprobes and profile get the pid from perf_event_open instead.
  if (opts_.filter_pid >= 0 && !user_probe && !timed && probe_.spec.type != ProbeType::kProfile) {
    b_.call(BPF_FUNC_get_current_pid_tgid);
    b_.alu_imm(BPF_RSH, BPF_REG_0, 32);
    b_.jmp_imm(BPF_JNE, BPF_REG_0, static_cast<int32_t>(opts_.filter_pid), exit_label_);
  }
  b_.st_imm(kW, BPF_REG_10, -8, 0);
  b_.ld_map(BPF_REG_1, kScratchMap);
  b_.mov_reg(BPF_REG_2, BPF_REG_10);
  b_.alu_imm(BPF_ADD, BPF_REG_2, -8);
  b_.call(BPF_FUNC_map_lookup_elem);
  b_.jmp_imm(BPF_JEQ, BPF_REG_0, 0, exit_label_);
  b_.mov_reg(kScratch, BPF_REG_0);
}

// Returns whether the block ends in exit(), break or continue: the
// verifier refuses unreachable instructions, so nothing may follow.
bool Generator::stmts(const std::vector<ast::Stmt*>& list) {
  for (ast::Stmt* s : list) {
    int32_t scratch_mark = scratch_top_;
    int stack_mark = stack_depth_;
    b_.set_location(s->loc);
    terminated_ = false;
    stmt(s);
    scratch_top_ = scratch_mark;
    stack_depth_ = stack_mark;
    if (terminated_) return true;
  }
  return false;
}

void Generator::stmt(ast::Stmt* s) {
  switch (s->kind) {
    case NodeKind::kExprStmt: {
      ast::Expr* e = static_cast<ast::ExprStmt*>(s)->expr;
      if (e->kind == NodeKind::kCall) return call_stmt(static_cast<ast::Call*>(e));
      if (e->type.is_int()) return int_expr(e);
      value_expr(e);
      return;
    }
    case NodeKind::kAssignMap:
      return assign_map(static_cast<ast::AssignMap*>(s));
    case NodeKind::kAssignVar:
      return assign_var(static_cast<ast::AssignVar*>(s));
    case NodeKind::kIf:
      return if_stmt(static_cast<ast::If*>(s));
    case NodeKind::kWhile:
      return while_stmt(static_cast<ast::While*>(s));
    case NodeKind::kUnroll:
      return unroll_stmt(static_cast<ast::Unroll*>(s));
    case NodeKind::kJump:
      return jump_stmt(static_cast<ast::Jump*>(s));
    default:
      error(s->loc, "codegen: unexpected statement");
  }
}

// A real loop (a back edge): the verifier (Linux >= 5.3) walks it until it
// can prove it ends, within its 1M-instruction budget; a rejection maps
// back to the loop's statement (loader.cpp).
void Generator::while_stmt(ast::While* w) {
  Loop loop{b_.new_label(), b_.new_label()};
  b_.bind(loop.next);
  int_expr(w->cond);
  b_.jmp_imm(BPF_JEQ, BPF_REG_0, 0, loop.done);
  loops_.push_back(loop);
  bool body_exits = stmts(w->body);
  loops_.pop_back();
  b_.set_location(w->loc);
  if (!body_exits) b_.jmp(loop.next);
  b_.bind(loop.done);
  terminated_ = false;
}

// The body emitted `times` times; break/continue inside belong to the
// enclosing while loop.
void Generator::unroll_stmt(ast::Unroll* u) {
  bool exits = false;
  for (int64_t i = 0; i < u->times && !exits; ++i) exits = stmts(u->body);
  terminated_ = exits;
}

void Generator::jump_stmt(ast::Jump* j) {
  const Loop& loop = loops_.back();
  b_.jmp(j->is_break ? loop.done : loop.next);
  terminated_ = true;
}

void Generator::if_stmt(ast::If* i) {
  auto else_label = b_.new_label();
  auto end_label = b_.new_label();
  int_expr(i->cond);
  b_.jmp_imm(BPF_JEQ, BPF_REG_0, 0, else_label);
  bool then_exits = stmts(i->then_block);
  if (!then_exits) b_.jmp(end_label);
  b_.bind(else_label);
  bool else_exits = stmts(i->else_block);
  b_.bind(end_label);
  terminated_ = then_exits && else_exits;
}

// Variables get their storage, zeroed, before the first statement: a read
// on a path that skipped the assignment must still see initialized memory.
void Generator::declare_vars(const std::vector<ast::Stmt*>& list) {
  for (ast::Stmt* s : list) {
    if (s->kind == NodeKind::kIf) {
      declare_vars(static_cast<ast::If*>(s)->then_block);
      declare_vars(static_cast<ast::If*>(s)->else_block);
      continue;
    }
    if (s->kind == NodeKind::kWhile) declare_vars(static_cast<ast::While*>(s)->body);
    if (s->kind == NodeKind::kUnroll) declare_vars(static_cast<ast::Unroll*>(s)->body);
    if (s->kind != NodeKind::kAssignVar) continue;
    auto* var = static_cast<ast::AssignVar*>(s)->var;
    const std::string& name = var->name;
    if (in_register(var->type.kind)) {
      if (int_vars_.count(name)) continue;
      int16_t slot = static_cast<int16_t>(-(kStackSize - 8 * static_cast<int>(int_vars_.size())));
      if (-slot <= stack_depth_ + 8) error(s->loc, "too many variables for the BPF stack");
      int_vars_[name] = slot;
      b_.st_imm(kDW, BPF_REG_10, slot, 0);
    } else if (!value_vars_.count(name)) {
      uint32_t size = value_size_of(var->type);
      Slot slot{alloc_var_scratch(size), size};
      value_vars_[name] = slot;
      zero_scratch(slot.off, size);
    }
  }
}

void Generator::assign_var(ast::AssignVar* a) {
  const std::string& name = a->var->name;
  if (auto it = int_vars_.find(name); it != int_vars_.end()) {
    int_expr(a->expr);
    b_.stx(kDW, BPF_REG_10, it->second, BPF_REG_0);
    return;
  }
  const Slot& slot = value_vars_.at(name);
  store_value(a->expr, slot.off, slot.size);
}

void Generator::call_stmt(ast::Call* c) {
  const std::string& f = c->func;
  if (f == "printf") return printf_stmt(c);
  if (f == "exit") {
    send_record(RecordType::kExit, 0);
    b_.jmp(exit_label_);
    terminated_ = true;
    return;
  }
  if (f == "delete") return delete_key(static_cast<ast::Map*>(c->args[0]));
  if (f == "print") return send_record(RecordType::kPrintMap, static_cast<uint32_t>(c->format_id));
  if (f == "time") return send_record(RecordType::kTime, static_cast<uint32_t>(c->format_id));
  if (f == "clear" || f == "zero") {
    auto* map = info_.find_map(static_cast<ast::Map*>(c->args[0])->name);
    send_record(f == "clear" ? RecordType::kClearMap : RecordType::kZeroMap,
                static_cast<uint32_t>(map->id));
    return;
  }
  if (c->type.is_int()) {
    int_expr(c);
  } else {
    value_expr(c);
  }
}

void Generator::send_record(RecordType type, uint32_t id) {
  int32_t rec = alloc_scratch(sizeof(RecordHeader));
  b_.ld_imm64(BPF_REG_1, (static_cast<uint64_t>(id) << 32) | static_cast<uint32_t>(type));
  b_.stx(kDW, kScratch, static_cast<int16_t>(rec), BPF_REG_1);
  b_.ld_map(BPF_REG_1, kRingbufMap);
  scratch_ptr(BPF_REG_2, rec);
  b_.mov_imm(BPF_REG_3, sizeof(RecordHeader));
  b_.mov_imm(BPF_REG_4, 0);
  b_.call(BPF_FUNC_ringbuf_output);
  count_lost_record();
}

// The record is [header][arg0][arg1]..., laid out as FormatInfo says.
void Generator::printf_stmt(ast::Call* c) {
  const FormatInfo& fmt = info_.formats.at(c->format_id);
  int32_t rec = alloc_scratch(fmt.record_size);
  for (size_t i = 0; i < fmt.args.size(); ++i) {
    store_value(c->args[i + 1], rec + static_cast<int32_t>(fmt.args[i].offset),
                value_size_of(fmt.args[i].type));
  }
  b_.set_location(c->loc);
  b_.ld_imm64(BPF_REG_1, (static_cast<uint64_t>(c->format_id) << 32) |
                             static_cast<uint32_t>(RecordType::kPrintf));
  b_.stx(kDW, kScratch, static_cast<int16_t>(rec), BPF_REG_1);
  b_.ld_map(BPF_REG_1, kRingbufMap);
  scratch_ptr(BPF_REG_2, rec);
  b_.mov_imm(BPF_REG_3, static_cast<int32_t>(fmt.record_size));
  b_.mov_imm(BPF_REG_4, 0);
  b_.call(BPF_FUNC_ringbuf_output);
  count_lost_record();
}

// A full ring buffer drops the record; count it so the loss is reported.
// Atomic because a perf-event program (profile:hz) may interrupt another
// probe's update on the same CPU.
void Generator::count_lost_record() {
  InsnBuilder::Label sent = b_.new_label();
  b_.jmp_imm(BPF_JSGE, BPF_REG_0, 0, sent);
  b_.mov_imm(BPF_REG_1, 1);
  b_.atomic_add(kDW, kScratch, static_cast<int16_t>(kLostCounterOffset), BPF_REG_1);
  b_.bind(sent);
}

int32_t Generator::alloc_scratch(uint32_t size) {
  int32_t off = scratch_top_;
  scratch_top_ += static_cast<int32_t>((size + 7) / 8 * 8);
  if (scratch_top_ > var_bottom_) {
    error(probe_.probe->loc, "probe needs more than " + std::to_string(kScratchSize) +
                                 " bytes of temporary memory; simplify the statement");
  }
  return off;
}

int32_t Generator::alloc_var_scratch(uint32_t size) {
  var_bottom_ -= static_cast<int32_t>((size + 7) / 8 * 8);
  if (var_bottom_ < scratch_top_) error(probe_.probe->loc, "too many string variables");
  return var_bottom_;
}

int16_t Generator::alloc_stack() {
  stack_depth_ += 8;
  if (stack_depth_ + 8 * static_cast<int>(int_vars_.size()) > kStackSize) {
    error(probe_.probe->loc, "expression too deeply nested for the 512-byte BPF stack");
  }
  return static_cast<int16_t>(-stack_depth_);
}

void Generator::scratch_ptr(int reg, int32_t off) {
  b_.mov_reg(reg, kScratch);
  if (off) b_.alu_imm(BPF_ADD, reg, off);
}

// Copies min(dst, src) bytes and zero-fills the rest of dst, so strings of
// different buffer sizes compare and hash alike.
void Generator::copy_scratch(int32_t dst, uint32_t dst_size, int32_t src, uint32_t src_size) {
  if (dst == src) return;
  uint32_t n = std::min(dst_size, src_size);
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    b_.ldx(kDW, BPF_REG_1, kScratch, static_cast<int16_t>(src + i));
    b_.stx(kDW, kScratch, static_cast<int16_t>(dst + i), BPF_REG_1);
  }
  for (; i < n; ++i) {
    b_.ldx(kB, BPF_REG_1, kScratch, static_cast<int16_t>(src + i));
    b_.stx(kB, kScratch, static_cast<int16_t>(dst + i), BPF_REG_1);
  }
  if (n < dst_size) zero_scratch(dst + static_cast<int32_t>(n), dst_size - n);
}

void Generator::zero_scratch(int32_t off, uint32_t size) {
  uint32_t i = 0;
  for (; i < size && (off + i) % 8 != 0; ++i)
    b_.st_imm(kB, kScratch, static_cast<int16_t>(off + i), 0);
  for (; i + 8 <= size; i += 8) b_.st_imm(kDW, kScratch, static_cast<int16_t>(off + i), 0);
  for (; i < size; ++i) b_.st_imm(kB, kScratch, static_cast<int16_t>(off + i), 0);
}

}  // namespace ksight::trace::codegen
