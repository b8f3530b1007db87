// Code generation: the instruction sequences of small programs, checked for
// the things that make them correct (helpers called in order, map
// relocations, context offsets, locations for verifier messages).
#include <gtest/gtest.h>

#include "fake_tracepoints.h"
#include "trace/driver.h"
#include "trace/runtime/loader.h"

namespace ksight::trace {
namespace {

using codegen::ProbeProgram;

std::unique_ptr<Compilation> build(const std::string& src, int64_t pid = -1, int ncpus = 0) {
  static testing::FakeTracepoints tps;
  ProbeEnvironment env{&tps, nullptr, ""};
  codegen::CodegenOptions opts;
  opts.filter_pid = pid;
  opts.ncpus = ncpus;
  return compile(src, env, opts);
}

size_t count_calls(const ProbeProgram& p, int helper) {
  size_t n = 0;
  for (const auto& i : p.insns) n += i.code == (BPF_JMP | BPF_CALL) && i.imm == helper;
  return n;
}

// Jumps whose target is at or before the jump itself (loop back edges).
size_t back_edges(const ProbeProgram& p) {
  size_t n = 0;
  for (const auto& i : p.insns) {
    bool jump = (i.code & 0x07) == BPF_JMP && i.code != (BPF_JMP | BPF_CALL) &&
                i.code != (BPF_JMP | BPF_EXIT);
    n += jump && i.off < 0;
  }
  return n;
}

bool has_alu_imm(const ProbeProgram& p, uint8_t op, int32_t imm) {
  for (const auto& i : p.insns) {
    if (i.code == (BPF_ALU64 | op | BPF_K) && i.imm == imm) return true;
  }
  return false;
}

std::vector<int> helpers(const ProbeProgram& p) {
  std::vector<int> out;
  for (const auto& i : p.insns) {
    if (i.code == (BPF_JMP | BPF_CALL)) out.push_back(i.imm);
  }
  return out;
}

bool has_load(const ProbeProgram& p, int src_reg, int16_t off, uint8_t size) {
  for (const auto& i : p.insns) {
    if (i.code == (BPF_LDX | size | BPF_MEM) && i.src_reg == src_reg && i.off == off) return true;
  }
  return false;
}

TEST(TraceCodegen, CountByCommWithPredicate) {
  auto c = build("t:syscalls:sys_enter_openat /pid == 42/ { @[comm] = count(); }");
  const ProbeProgram& p = c->programs[0];
  EXPECT_EQ(helpers(p), (std::vector<int>{BPF_FUNC_map_lookup_elem, BPF_FUNC_get_current_pid_tgid,
                                          BPF_FUNC_get_current_comm, BPF_FUNC_map_lookup_elem,
                                          BPF_FUNC_map_update_elem, BPF_FUNC_map_lookup_elem}));
  // First instruction saves the context; the program ends with r0 = 0; exit.
  EXPECT_EQ(p.insns[0].code, BPF_ALU64 | BPF_MOV | BPF_X);
  EXPECT_EQ(p.insns[0].dst_reg, BPF_REG_6);
  EXPECT_EQ(p.insns.back().code, BPF_JMP | BPF_EXIT);
  // Relocations: the scratch map first, then the user map (id 0) three times.
  ASSERT_EQ(p.relocs.size(), 4u);
  EXPECT_EQ(p.relocs[0].map_id, codegen::kScratchMap);
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(p.relocs[i].map_id, 0);
  for (const auto& r : p.relocs) {
    EXPECT_EQ(p.insns[r.insn].code, BPF_LD | BPF_DW | BPF_IMM);
    EXPECT_EQ(p.insns[r.insn].src_reg, BPF_PSEUDO_MAP_FD);
  }
  // Every jump lands inside the program.
  for (size_t i = 0; i < p.insns.size(); ++i) {
    uint8_t cls = p.insns[i].code & 0x07;
    bool jump = cls == BPF_JMP && p.insns[i].code != (BPF_JMP | BPF_CALL) &&
                p.insns[i].code != (BPF_JMP | BPF_EXIT);
    if (jump) {
      long target = static_cast<long>(i) + 1 + p.insns[i].off;
      EXPECT_GE(target, 0);
      EXPECT_LT(target, static_cast<long>(p.insns.size()));
    }
  }
  EXPECT_EQ(p.locations.size(), p.insns.size());
}

TEST(TraceCodegen, PidFilterComesBeforeEverything) {
  auto c = build("t:syscalls:sys_enter_openat { @ = count(); }", 1234);
  const ProbeProgram& p = c->programs[0];
  EXPECT_EQ(helpers(p)[0], BPF_FUNC_get_current_pid_tgid);
  bool compares_pid = false;
  for (const auto& i : p.insns) {
    if (i.code == (BPF_JMP | BPF_JNE | BPF_K) && i.imm == 1234) compares_pid = true;
  }
  EXPECT_TRUE(compares_pid);
}

TEST(TraceCodegen, TracepointFieldsLoadFromTheRecord) {
  auto c = build(
      "t:syscalls:sys_enter_openat { printf(\"%s\\n\", str(args.filename)); }"
      "t:sched:sched_switch { @[args.prev_pid] = sum(args->prev_state); }");
  // filename: 8-byte pointer at offset 24, read with probe_read_user_str.
  EXPECT_TRUE(has_load(c->programs[0], BPF_REG_6, 24, BPF_DW));
  auto h = helpers(c->programs[0]);
  EXPECT_EQ(h[1], BPF_FUNC_probe_read_user_str);
  EXPECT_EQ(h.back(), BPF_FUNC_ringbuf_output);
  // prev_pid: signed 4 bytes at 24 (sign-extended), prev_state: 8 bytes at 32.
  EXPECT_TRUE(has_load(c->programs[1], BPF_REG_6, 24, BPF_W));
  EXPECT_TRUE(has_load(c->programs[1], BPF_REG_6, 32, BPF_DW));
  bool arsh32 = false;
  for (const auto& i : c->programs[1].insns) {
    if (i.code == (BPF_ALU64 | BPF_ARSH | BPF_K) && i.imm == 32) arsh32 = true;
  }
  EXPECT_TRUE(arsh32);
}

TEST(TraceCodegen, StacksAndUprobeRegisters) {
  auto c = build(
      "uprobe:/bin/sh:main { @[ustack] = count(); @a = arg1; } uretprobe:/bin/sh:main { @r = "
      "retval; }");
  auto h = helpers(c->programs[0]);
  EXPECT_EQ(h[1], BPF_FUNC_get_stackid);
  bool ustack_map = false;
  for (const auto& r : c->programs[0].relocs) ustack_map |= r.map_id == codegen::stack_map_id(0);
  EXPECT_TRUE(ustack_map);
  EXPECT_TRUE(has_load(c->programs[0], BPF_REG_6, 104, BPF_DW));  // rsi
  EXPECT_TRUE(has_load(c->programs[1], BPF_REG_6, 80, BPF_DW));   // rax
}

TEST(TraceCodegen, StatementLocationsCoverInstructions) {
  auto c = build("BEGIN {\n  @x = 1;\n  printf(\"%d\\n\", @x);\n}");
  const ProbeProgram& p = c->programs[0];
  bool line2 = false, line3 = false;
  for (size_t i = 0; i < p.insns.size(); ++i) {
    if (p.insns[i].code == (BPF_JMP | BPF_CALL) && p.insns[i].imm == BPF_FUNC_map_update_elem) {
      EXPECT_EQ(p.locations[i].line, 2);
      line2 = true;
    }
    if (p.insns[i].code == (BPF_JMP | BPF_CALL) && p.insns[i].imm == BPF_FUNC_ringbuf_output) {
      EXPECT_EQ(p.locations[i].line, 3);
      line3 = true;
    }
  }
  EXPECT_TRUE(line2 && line3);
}

TEST(TraceCodegen, WhileLoopsJumpBackUnrollRepeats) {
  auto w = build("BEGIN { $i = 0; while ($i < 10) { $i++; if ($i == 5) { break; } } exit(); }");
  EXPECT_EQ(back_edges(w->programs[0]), 1u);
  auto u = build("BEGIN { unroll(4) { printf(\"x\\n\"); } }");
  EXPECT_EQ(back_edges(u->programs[0]), 0u);
  EXPECT_EQ(count_calls(u->programs[0], BPF_FUNC_ringbuf_output), 4u);
  // Nothing follows a break: the verifier refuses unreachable code, so
  // the printf after it is not emitted.
  auto b = build("BEGIN { $i = 0; while ($i < 3) { $i++; break; printf(\"no\\n\"); } }");
  EXPECT_EQ(count_calls(b->programs[0], BPF_FUNC_ringbuf_output), 0u);
  // break inside unroll inside while ends the unrolled copies too.
  auto ub =
      build("BEGIN { $i = 0; while ($i < 3) { $i++; unroll(3) { printf(\"a\\n\"); break; } } }");
  EXPECT_EQ(count_calls(ub->programs[0], BPF_FUNC_ringbuf_output), 1u);
}

TEST(TraceCodegen, CastsTruncateAndExtend) {
  auto c = build("BEGIN { @a = (uint8)pid; @b = (int16)pid; @c = (uint32)pid; @d = (int64)pid; }");
  const ProbeProgram& p = c->programs[0];
  EXPECT_TRUE(has_alu_imm(p, BPF_LSH, 56));
  EXPECT_TRUE(has_alu_imm(p, BPF_RSH, 56));   // uint8: zero-extend
  EXPECT_TRUE(has_alu_imm(p, BPF_ARSH, 48));  // int16: sign-extend
  EXPECT_TRUE(has_alu_imm(p, BPF_RSH, 32));
}

TEST(TraceCodegen, PerCpuReadsSumEveryCpu) {
  std::string src = "t:sched:sched_switch { @n = count(); @last = @n; }";
  auto summed = build(src, -1, 4);
  const ProbeProgram& p = summed->programs[0];
  EXPECT_EQ(count_calls(p, BPF_FUNC_map_lookup_percpu_elem), 1u);
  EXPECT_EQ(back_edges(p), 1u);  // one loop over the CPUs
  bool bound = false;
  for (const auto& i : p.insns) bound |= i.code == (BPF_JMP | BPF_JLT | BPF_K) && i.imm == 4;
  EXPECT_TRUE(bound);
  EXPECT_EQ(count_calls(build(src)->programs[0], BPF_FUNC_map_lookup_percpu_elem), 0u);
}

TEST(TraceCodegen, MapIncrementLooksUpThenUpdates) {
  auto c = build("BEGIN { @x[1]++; }");
  auto h = helpers(c->programs[0]);
  EXPECT_EQ(h, (std::vector<int>{BPF_FUNC_map_lookup_elem, BPF_FUNC_map_lookup_elem,
                                 BPF_FUNC_map_update_elem}));
}

TEST(TraceCodegen, NtopCopiesTheArrayField) {
  auto c = build("t:sock:inet_sock_set_state { @[ntop(args.family, args.daddr_v6)] = count(); }");
  const ProbeProgram& p = c->programs[0];
  for (int16_t off = 56; off < 72; ++off) EXPECT_TRUE(has_load(p, BPF_REG_6, off, BPF_B)) << off;
  EXPECT_TRUE(has_load(p, BPF_REG_6, 28, BPF_H));  // family
  EXPECT_EQ(p.type, BPF_PROG_TYPE_TRACEPOINT);     // reads the record
}

// From a raw tracepoint a kernel stack starts in the BPF dispatch code;
// bpftrace's starts at the tracepoint, as a perf tracepoint's does.
TEST(TraceCodegen, KernelStacksKeepThePerfTracepoint) {
  EXPECT_EQ(build("t:sched:sched_switch { @ = count(); }")->programs[0].type,
            BPF_PROG_TYPE_RAW_TRACEPOINT);
  EXPECT_EQ(build("t:sched:sched_switch { @[kstack(3)] = count(); }")->programs[0].type,
            BPF_PROG_TYPE_TRACEPOINT);
}

TEST(TraceLoader, VerifierLogParsing) {
  const char* log =
      "func#0 @0\n"
      "0: R1=ctx() R10=fp0\n"
      "0: (bf) r6 = r1                       ; R1=ctx() R6_w=ctx()\n"
      "1: (79) r0 = *(u64 *)(r6 +8)\n"
      "12: (61) r1 = *(u32 *)(r0 +0)\n"
      "R0 invalid mem access 'scalar'\n"
      "processed 13 insns (limit 1000000) max_states_per_insn 0 total_states 0\n";
  auto f = runtime::parse_verifier_log(log);
  EXPECT_EQ(f.insn, 12);
  EXPECT_EQ(f.reason, "R0 invalid mem access 'scalar'");
  const char* loop_log =
      "7: (05) goto pc-6\n"
      "infinite loop detected at insn 2\n"
      "cur state: R0=1 R10=fp0 fp-512=1\n"
      "old state: R0=P1 R10=fp0 fp-512=1\n"
      "processed 42 insns (limit 1000000) max_states_per_insn 1 total_states 3\n";
  auto l = runtime::parse_verifier_log(loop_log);
  EXPECT_EQ(l.reason, "infinite loop detected at insn 2");
  EXPECT_NE(runtime::verifier_hint(l.reason).find("while loop must end"), std::string::npos);
  EXPECT_EQ(runtime::verifier_hint("R0 invalid mem access").find("while loop"), std::string::npos);
}

}  // namespace
}  // namespace ksight::trace
