// The fp/dwarf/auto policy of StackResolver on recorded and synthetic samples.
#include "unwind/stack_resolver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include "snapshot_recorder.h"

namespace ksight::testing {
namespace {

using unwind::DwarfUnwinder;
using unwind::StackResolver;
using unwind::UnwindError;
using unwind::UnwindMode;

profile::StackSample sample_of(const unwind::RecordedSnapshot& s,
                               const std::vector<uint64_t>& fp_stack) {
  profile::StackSample sample;
  sample.pid = s.pid;
  sample.tid = s.tid;
  sample.user_stack = fp_stack;
  sample.user_regs = s.regs;
  sample.user_stack_copy = s.stack;
  return sample;
}

TEST(StackResolver, ParsesModes) {
  EXPECT_EQ(unwind::parse_unwind_mode("auto"), UnwindMode::kAuto);
  EXPECT_EQ(unwind::parse_unwind_mode("fp"), UnwindMode::kFramePointer);
  EXPECT_EQ(unwind::parse_unwind_mode("dwarf"), UnwindMode::kDwarf);
  EXPECT_FALSE(unwind::parse_unwind_mode("lbr"));
}

TEST(StackResolver, FramePointerModeKeepsTheKernelStackUpToTheFirstZero) {
  DwarfUnwinder unwinder;
  StackResolver resolver(unwinder, UnwindMode::kFramePointer);
  std::vector<uint64_t> fp = {0x1000, 0x2000, 0, 0x3000};
  profile::StackSample sample;
  sample.pid = 1;
  sample.user_stack = fp;
  EXPECT_EQ(resolver.resolve(sample), (std::vector<uint64_t>{0x1000, 0x2000}));
  EXPECT_EQ(resolver.stats().fp_used, 1u);
}

TEST(StackResolver, WithoutRegistersFallsBackToFramePointersAndCountsIt) {
  DwarfUnwinder unwinder;
  StackResolver resolver(unwinder, UnwindMode::kAuto);
  std::vector<uint64_t> fp = {0x1000};
  profile::StackSample sample;
  sample.pid = 1;
  sample.user_stack = fp;
  EXPECT_EQ(resolver.resolve(sample), fp);
  EXPECT_EQ(resolver.stats().error(UnwindError::kNoRegisters), 1u);
}

TEST(StackResolver, DwarfModeUnwindsTheRecordedChain) {
  DwarfUnwinder unwinder;
  StackResolver resolver(unwinder, UnwindMode::kDwarf);
  auto recorded = record_chain(16384);
  std::vector<uint64_t> fp = {recorded.regs[unwind::kRegRip]};  // what FP gives: the leaf
  auto frames = resolver.resolve(sample_of(recorded, fp));
  EXPECT_GT(frames.size(), 5u);
  EXPECT_EQ(frames[0], recorded.regs[unwind::kRegRip]);
  EXPECT_EQ(resolver.stats().dwarf_complete, 1u);
}

TEST(StackResolver, TruncatedDwarfStackIsContinuedWithTheFramePointerTail) {
  DwarfUnwinder unwinder;
  StackResolver resolver(unwinder, UnwindMode::kDwarf);
  auto recorded = record_chain(16384);
  auto whole = unwinder.unwind(recorded.view()).frames;
  ASSERT_GT(whole.size(), 5u);
  auto cut = recorded;
  cut.stack.resize(48);
  // A frame-pointer stack that agrees with DWARF from some frame on (as for
  // a deep stack whose top lies beyond the copied bytes).
  auto frames = resolver.resolve(sample_of(cut, whole));
  EXPECT_EQ(frames, whole);
  EXPECT_EQ(resolver.stats().spliced, 1u);
  EXPECT_EQ(resolver.stats().error(UnwindError::kTruncatedStack), 1u);
}

TEST(StackResolver, DeeperFramePointerStackWinsOverAFailedUnwind) {
  DwarfUnwinder unwinder;
  StackResolver resolver(unwinder, UnwindMode::kAuto);
  auto recorded = record_chain(64);
  recorded.regs[unwind::kRegRip] = 0x10;  // in no module (JIT code, say)
  std::vector<uint64_t> fp = {0x10, 0x20, 0x30};
  EXPECT_EQ(resolver.resolve(sample_of(recorded, fp)), fp);
  EXPECT_EQ(resolver.stats().error(UnwindError::kNoModule), 1u);
}

// A synthetic frame-pointer chain through code built with frame pointers
// (this file), ending on a saved rbp of 0: auto mode keeps it without
// unwinding; with a non-zero end (a caller without frame pointers may
// follow) it unwinds.
TEST(StackResolver, AutoKeepsOnlyVerifiedFramePointerStacks) {
  uint64_t pc = 0;
  __asm__ volatile("lea 0(%%rip), %0" : "=r"(pc));
  for (uint64_t end_bp : {uint64_t{0}, uint64_t{0x7ffd0000}}) {
    DwarfUnwinder unwinder;
    StackResolver resolver(unwinder, UnwindMode::kAuto);
    unwind::RecordedSnapshot s;
    s.pid = static_cast<uint32_t>(getpid());
    s.tid = s.pid;
    s.stack.resize(64);
    uint64_t sp = 0x7ffe0000;
    s.regs[unwind::kRegRsp] = sp;
    s.regs[unwind::kRegRbp] = sp + 16;
    s.regs[unwind::kRegRip] = pc;
    uint64_t ret = pc + 1;
    std::memcpy(s.stack.data() + 16, &end_bp, 8);
    std::memcpy(s.stack.data() + 24, &ret, 8);
    std::vector<uint64_t> fp = {pc, ret};
    resolver.resolve(sample_of(s, fp));
    if (end_bp == 0) {
      EXPECT_EQ(resolver.stats().fp_used, 1u);
    } else {
      EXPECT_EQ(resolver.stats().dwarf_used + resolver.stats().fp_used, 1u);
      EXPECT_GT(resolver.stats().error(UnwindError::kBadMemory) +
                    resolver.stats().error(UnwindError::kTruncatedStack) +
                    resolver.stats().dwarf_used,
                0u);
    }
  }
}

}  // namespace
}  // namespace ksight::testing
