// Probe resolution and the semantic pass, against fake tracepoints and a
// fake feature probe (no tracefs, no root).
#include <gtest/gtest.h>

#include "fake_tracepoints.h"
#include "trace/diagnostics.h"
#include "trace/driver.h"
#include "trace/passes/semantic_analyser.h"

namespace ksight::trace {
namespace {

class FakeFeatures : public agent::KernelFeatures {
 public:
  agent::FeatureStatus status(agent::Feature f) override {
    if (f == agent::Feature::kKprobe) return {false, "CONFIG_KPROBES is off (no kprobe PMU)"};
    if (f == agent::Feature::kFentry) return {false, "loading an fentry program failed: EPERM"};
    return {true, ""};
  }
  agent::KernelInfo info() override { return {}; }
};

class TraceSemantic : public ::testing::Test {
 protected:
  std::unique_ptr<Compilation> compile_ok(const std::string& src,
                                          const std::vector<std::string>& params = {}) {
    ProbeEnvironment env{&tracepoints_, &features_, ""};
    return compile(src, env, {}, params);
  }
  std::string error_of(const std::string& src, const std::vector<std::string>& params = {}) {
    try {
      compile_ok(src, params);
    } catch (const CompileError& e) {
      return e.what();
    }
    return "(no error)";
  }
  testing::FakeTracepoints tracepoints_;
  FakeFeatures features_;
};

TEST_F(TraceSemantic, WildcardsExpandToOneProgramPerTracepoint) {
  auto c = compile_ok("t:syscalls:sys_enter_open* { @[probe] = count(); }");
  ASSERT_EQ(c->probes.size(), 2u);
  EXPECT_EQ(c->programs[0].name, "tracepoint:syscalls:sys_enter_open");
  EXPECT_EQ(c->programs[1].name, "tracepoint:syscalls:sys_enter_openat");
  EXPECT_EQ(c->programs[0].type, BPF_PROG_TYPE_TRACEPOINT);
}

TEST_F(TraceSemantic, MapTypesAndLayouts) {
  auto c = compile_ok(
      "t:syscalls:sys_exit_read { @bytes[comm, pid] = hist(args.ret); @s = stats(args.ret);"
      " @m = min(args.ret); @last[tid] = str(args.ret); @l = lhist(args.ret, 0, 100, 10); }");
  auto* bytes = c->info.find_map("@bytes");
  ASSERT_NE(bytes, nullptr);
  EXPECT_EQ(bytes->value.kind, ast::TypeKind::kHist);
  ASSERT_EQ(bytes->key_types.size(), 2u);
  EXPECT_EQ(bytes->key_types[0].kind, ast::TypeKind::kString);
  EXPECT_EQ(bytes->user_key_size(), 16u + 8u);
  EXPECT_EQ(bytes->key_size(), 16u + 8u + 8u);  // + bucket
  EXPECT_TRUE(bytes->per_cpu());
  EXPECT_EQ(c->info.find_map("@s")->value_size(), 16u);
  EXPECT_EQ(c->info.find_map("@last")->value.kind, ast::TypeKind::kString);
  EXPECT_FALSE(c->info.find_map("@last")->per_cpu());
  auto* l = c->info.find_map("@l");
  EXPECT_EQ(l->lhist_max, 100);
  EXPECT_EQ(l->lhist_step, 10);
}

TEST_F(TraceSemantic, FieldTypesFromTheFormat) {
  auto c = compile_ok(
      "t:sched:sched_switch { @[args.prev_comm] = count(); @p = args->prev_pid; }"
      "t:sched:sched_process_exec { printf(\"%s %d\\n\", args.filename, args.pid); }");
  EXPECT_EQ(c->info.find_map("@")->key_types[0], ast::Type::string(16));
  ASSERT_EQ(c->info.formats.size(), 1u);
  EXPECT_EQ(c->info.formats[0].args[0].type.kind, ast::TypeKind::kString);
  EXPECT_EQ(c->info.formats[0].args[1].offset, 8u + 64u);
  EXPECT_EQ(c->info.formats[0].record_size, 8u + 64u + 8u);
}

TEST_F(TraceSemantic, UnknownNamesGetSuggestions) {
  std::string e = error_of("t:syscalls:sys_enter_openat { @[comn] = count(); }");
  EXPECT_NE(e.find("1:33: error: unknown identifier 'comn'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'comm'?"), std::string::npos) << e;
  e = error_of("t:syscalls:sys_enter_openat { printf(\"%s\\n\", str(args.filenme)); }");
  EXPECT_NE(e.find("has no field 'filenme'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'filename'?"), std::string::npos) << e;
  e = error_of("t:syscalls:sys_enter_opnat { }");
  EXPECT_NE(e.find("unknown tracepoint 'syscalls:sys_enter_opnat'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'syscalls:sys_enter_openat'?"), std::string::npos) << e;
  e = error_of("tracepont:syscalls:sys_enter_openat { }");
  EXPECT_NE(e.find("unknown probe type 'tracepont'"), std::string::npos) << e;
  e = error_of("BEGIN { @x = cnt(); }");
  EXPECT_NE(e.find("did you mean 'count'?"), std::string::npos) << e;
  e = error_of("BEGIN { $x = 1; printf(\"%d\\n\", $y); }");
  EXPECT_NE(e.find("undefined variable $y"), std::string::npos) << e;
}

TEST_F(TraceSemantic, TypeErrors) {
  EXPECT_NE(error_of("BEGIN { printf(\"%s\\n\", pid); }").find("%s expects a string, got uint64"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { printf(\"%d\\n\", comm); }").find("%d expects an integer"),
            std::string::npos);
  EXPECT_NE(
      error_of("BEGIN { printf(\"%d %d\\n\", 1); }").find("2 conversion(s) but 1 argument(s)"),
      std::string::npos);
  EXPECT_NE(error_of("BEGIN { if (comm == 1) {} }").find("cannot compare string[16] with int64"),
            std::string::npos);
  EXPECT_NE(
      error_of("BEGIN { @x = count(); @x = 1; }").find("map @x holds count, cannot assign int64"),
      std::string::npos);
  EXPECT_NE(error_of("BEGIN { @x[1] = 1; @x[comm] = 1; }").find("key 1 is int64, not string"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { $x = count(); }").find("must be assigned to a map"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { @x = lhist(1, 10, 0, 1); }").find("min < max"), std::string::npos);
  EXPECT_NE(error_of("t:syscalls:sys_exit_read { @ = retval; }").find("args.ret"),
            std::string::npos);
  EXPECT_NE(error_of("t:syscalls:sys_exit_read { @ = arg0; }").find("args.NAME"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { print(@nope); }").find("map @nope is used but never assigned"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { @x = @y; }").find("map @y is used but never assigned"),
            std::string::npos);
}

TEST_F(TraceSemantic, KernelFunctionProbesExplainWhy) {
  try {
    compile_ok("kprobe:do_nanosleep { @ = count(); }");
    FAIL();
  } catch (const CompileError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("kprobe:do_nanosleep: kprobes are not available on this kernel: "
                       "CONFIG_KPROBES is off"),
              std::string::npos)
        << msg;
    EXPECT_EQ(e.exit_code(), kExitNoCapability);
  }
  EXPECT_NE(error_of("fentry:vfs_read { }").find("fentry/fexit trampolines are not available"),
            std::string::npos);
}

TEST_F(TraceSemantic, ProbeSpecs) {
  auto c = compile_ok(
      "profile:hz:99 { @[kstack] = count(); } interval:ms:250 { exit(); }"
      " uretprobe:/bin/sh:main { @r = retval; } rawtracepoint:sched_switch { @a = arg1; }");
  EXPECT_EQ(c->probes[0].spec.number, 99u);
  EXPECT_EQ(c->probes[1].spec.number, 250000000u);
  EXPECT_EQ(c->probes[2].spec.target, "/bin/sh");
  EXPECT_EQ(c->probes[2].spec.func, "main");
  EXPECT_EQ(c->programs[0].type, BPF_PROG_TYPE_PERF_EVENT);
  EXPECT_EQ(c->programs[2].type, BPF_PROG_TYPE_KPROBE);
  EXPECT_EQ(c->programs[3].type, BPF_PROG_TYPE_RAW_TRACEPOINT);
  ASSERT_EQ(c->info.stack_maps.size(), 1u);
  EXPECT_FALSE(c->info.stack_maps[0].user);
  EXPECT_EQ(c->info.stack_maps[0].frames, 127u);
}

// The value of `$name = EXPR` (the first assignment of $name), once typed.
const ast::Expr* assigned(const Compilation& c, const std::string& name) {
  for (auto* s : c.probes[0].probe->block) {
    if (s->kind != ast::NodeKind::kAssignVar) continue;
    auto* a = static_cast<ast::AssignVar*>(s);
    if (a->var->name == name) return a->expr;
  }
  return nullptr;
}

TEST_F(TraceSemantic, PositionalParameters) {
  auto c = compile_ok(
      "BEGIN { $a = $1; $b = $2; $n = $#; $s = str($3); $t = str($3, 2); $m = $5; $e = str($6); }",
      {"42", "0x10", "hello"});
  EXPECT_EQ(static_cast<const ast::Positional*>(assigned(*c, "$a"))->value, 42);
  EXPECT_EQ(static_cast<const ast::Positional*>(assigned(*c, "$b"))->value, 16);
  EXPECT_EQ(static_cast<const ast::Positional*>(assigned(*c, "$n"))->value, 3);
  EXPECT_EQ(assigned(*c, "$s")->type, ast::Type::string(6));
  auto* cut = static_cast<const ast::Call*>(assigned(*c, "$t"));
  EXPECT_EQ(static_cast<const ast::Positional*>(cut->args[0])->text, "he");
  // Missing parameters are 0 and "" (bpftrace).
  EXPECT_EQ(static_cast<const ast::Positional*>(assigned(*c, "$m"))->value, 0);
  EXPECT_EQ(assigned(*c, "$e")->type, ast::Type::string(1));
  std::string e = error_of("BEGIN {\n  @x = $1 + 1;\n}", {"abc"});
  EXPECT_NE(e.find("2:8: error: $1 is used as a number but the argument is \"abc\""),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("use str($1) for its text"), std::string::npos) << e;
  // In attach points the text is substituted.
  auto i = compile_ok("interval:ms:$1 { exit(); }", {"250"});
  EXPECT_EQ(i->probes[0].spec.number, 250000000u);
  EXPECT_NE(error_of("interval:ms:$2 { exit(); }", {"1"}).find("uses $2, which is not given"),
            std::string::npos);
}

TEST_F(TraceSemantic, LoopsAndIncrements) {
  auto c = compile_ok(
      "BEGIN { $i = 0; while ($i < 3) { $i++; unroll(2) { @u++; } if ($i == 1) { continue; } }"
      " --@d; exit(); }");
  EXPECT_TRUE(c->info.find_map("@u")->value.is_int());
  EXPECT_TRUE(c->info.find_map("@d")->value.is_int());
  EXPECT_NE(error_of("BEGIN { break; }").find("1:9: error: break used outside of a while loop"),
            std::string::npos);
  // unroll() is no loop for break/continue (bpftrace).
  EXPECT_NE(error_of("BEGIN { unroll(2) { continue; } }").find("continue used outside"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { unroll(0) { } }").find("unroll() count must be at least 1"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { unroll(101) { } }").find("at most 100"), std::string::npos);
  EXPECT_NE(error_of("BEGIN { unroll($1) { } }", {"7x"}).find("is used as a number"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { $i++; }").find("undefined variable $i"), std::string::npos);
  EXPECT_NE(error_of("BEGIN { @c = count(); @c++; }").find("needs an integer map"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { $s = comm; $s++; }").find("expects an integer"), std::string::npos);
}

TEST_F(TraceSemantic, CastsAndSizeof) {
  auto c = compile_ok(
      "t:sched:sched_switch { $a = (uint8)args.prev_pid; $b = (int16)1; $c = sizeof(uint32);"
      " $d = sizeof(args.prev_comm); $e = sizeof(comm); $f = sizeof(args.prev_pid);"
      " $g = sizeof(pid); $h = args.prev_pid; }");
  EXPECT_EQ(assigned(*c, "$a")->type, ast::Type::integer(false, 1));
  EXPECT_EQ(assigned(*c, "$b")->type, ast::Type::integer(true, 2));
  auto size = [&](const std::string& v) {
    return static_cast<const ast::Sizeof*>(assigned(*c, v))->value;
  };
  EXPECT_EQ(size("$c"), 4);
  EXPECT_EQ(size("$d"), 16);
  EXPECT_EQ(size("$e"), 16);
  EXPECT_EQ(size("$f"), 4);
  EXPECT_EQ(size("$g"), 8);
  // Integer fields keep their width (printf's %d/%u read them as C does).
  EXPECT_EQ(assigned(*c, "$h")->type, ast::Type::integer(true, 4));
  EXPECT_NE(error_of("BEGIN { $x = (uint8)comm; }").find("(uint8) expects an integer"),
            std::string::npos);
}

TEST_F(TraceSemantic, NtopTimeAndStacks) {
  auto c = compile_ok(
      "t:sock:inet_sock_set_state { @[ntop(args.saddr)] = count(); $a = ntop(args.family, "
      "args.daddr_v6); $b = ntop(10, args.daddr_v6); $c = ntop(0x0100007f);"
      " $t = strftime(\"%H:%M\", nsecs); time(); time(\"%S\\n\");"
      " @k[kstack(perf, 3), ustack(5)] = count(); @p = kstack(perf); @q = kstack; }");
  EXPECT_EQ(c->info.find_map("@")->key_types[0].kind, ast::TypeKind::kInet);
  EXPECT_EQ(assigned(*c, "$t")->type.time_format, "%H:%M");
  EXPECT_EQ(c->info.time_formats, (std::vector<std::string>{"%H:%M:%S\n", "%S\n"}));
  const auto& keys = c->info.find_map("@k")->key_types;
  EXPECT_EQ(keys[0].stack_mode, ast::StackMode::kPerf);
  EXPECT_EQ(keys[0].stack_frames, 3u);
  EXPECT_EQ(keys[1].stack_frames, 5u);
  // One stack map per kind and depth: kstack(3), ustack(5), kstack(127).
  EXPECT_EQ(c->info.stack_maps.size(), 3u);
  EXPECT_NE(error_of("t:sock:inet_sock_set_state { @x = args.saddr; }")
                .find("is an array; only ntop() and sizeof() take it"),
            std::string::npos);
  EXPECT_NE(error_of("t:sched:sched_switch { @x = ntop(comm); }").find("ntop() expects an integer"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { @k = kstack(0); }").find("frame limit must be 1..127"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { @k = kstack(raw); }").find("unknown stack mode 'raw'"),
            std::string::npos);
  EXPECT_NE(
      error_of("BEGIN { @k[kstack(perf)] = 1; @k[kstack] = 2; }").find("key 1 is kstack(perf"),
      std::string::npos);
  EXPECT_NE(
      error_of("BEGIN { printf(\"%d\", strftime(\"%H\", nsecs)); }").find("expects an integer"),
      std::string::npos);
}

TEST_F(TraceSemantic, PrintTopAndDiv) {
  auto c =
      compile_ok("BEGIN { @x[1] = 1; print(@x, 2); print(@x, 2, 10); print(@x); print(@x, 2); }");
  ASSERT_EQ(c->info.prints.size(), 3u);  // equal print() calls share a spec
  EXPECT_EQ(c->info.prints[0].top, 2u);
  EXPECT_EQ(c->info.prints[1].div, 10u);
  EXPECT_EQ(c->info.prints[2].top, 0u);
  EXPECT_NE(error_of("BEGIN { @x = 1; print(@x, pid); }").find("top must be an integer literal"),
            std::string::npos);
  EXPECT_NE(error_of("BEGIN { @x = 1; print(@x, 1, -2); }").find("div must not be negative"),
            std::string::npos);
}

TEST(TraceTracefs, FormatParsingAndGlobs) {
  auto f = parse_tracepoint_format(testing::kProcessExecFormat);
  ASSERT_EQ(f.fields.size(), 3u);
  EXPECT_EQ(f.fields[0].name, "filename");
  EXPECT_TRUE(f.fields[0].data_loc);
  auto s = parse_tracepoint_format(testing::kSchedSwitchFormat);
  EXPECT_EQ(s.find("prev_comm")->array_len, 16u);
  EXPECT_TRUE(s.find("prev_comm")->is_char_array());
  EXPECT_TRUE(s.find("prev_pid")->is_signed);
  EXPECT_EQ(s.find("next_pid")->offset, 56u);
  EXPECT_TRUE(glob_match("sys_enter_*open*", "sys_enter_openat"));
  EXPECT_FALSE(glob_match("sys_enter_*open", "sys_enter_openat"));
  EXPECT_TRUE(glob_match("s?hed:*", "sched:sched_switch"));
  testing::FakeTracepoints tps;
  auto listed = list_probes("tracepoint:syscalls:sys_enter_*open*", tps);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0], "tracepoint:syscalls:sys_enter_open");
  EXPECT_EQ(list_probes("sched_*", tps).size(), 2u);
}

}  // namespace
}  // namespace ksight::trace
