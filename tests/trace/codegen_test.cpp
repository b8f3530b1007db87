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

std::unique_ptr<Compilation> build(const std::string& src, int64_t pid = -1) {
  static testing::FakeTracepoints tps;
  ProbeEnvironment env{&tps, nullptr, ""};
  codegen::CodegenOptions opts;
  opts.filter_pid = pid;
  return compile(src, env, opts);
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
  for (const auto& r : c->programs[0].relocs) ustack_map |= r.map_id == codegen::kUstackMap;
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
}

}  // namespace
}  // namespace ksight::trace
