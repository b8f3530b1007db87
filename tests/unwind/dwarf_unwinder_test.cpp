// The DWARF unwinder replayed on recorded snapshots of this test process
// (built -fomit-frame-pointer where recorded), on truncated and corrupt ones.
#include "unwind/dwarf_unwinder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <sstream>

#include "replay_root.h"
#include "snapshot_recorder.h"
#include "symbolizer/elf_symbolizer.h"
#include "unwind/snapshot_file.h"

namespace ksight::testing {
namespace {

using unwind::DwarfUnwinder;
using unwind::read_snapshot;
using unwind::RecordedSnapshot;
using unwind::unwind_error_name;
using unwind::UnwinderOptions;
using unwind::UnwindError;

constexpr uint32_t kReplayPid = 424242;

// Function names of unwound frames (return addresses looked up at pc-1).
std::vector<std::string> names(const std::vector<uint64_t>& frames) {
  static auto symbolizer = symbolizer::make_symbolizer();
  std::vector<uint64_t> lookups;
  for (size_t i = 0; i < frames.size(); ++i) lookups.push_back(i ? frames[i] - 1 : frames[i]);
  std::vector<std::string> out;
  for (const auto& s : symbolizer->symbolize_user(static_cast<uint32_t>(getpid()), lookups)) {
    out.push_back(s.frames.empty() ? "?" : s.frames.back().function);
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& name) {
  return std::find(v.begin(), v.end(), name) != v.end();
}

class DwarfUnwinderTest : public ::testing::Test {
 protected:
  // Replays `s` as process kReplayPid through a synthetic /proc.
  unwind::UnwindResult replay(const RecordedSnapshot& s, size_t max_depth = 127) {
    if (!unwinder_) {
      root_.add(kReplayPid, s.maps);
      UnwinderOptions options;
      options.proc_root = root_.dir();
      options.use_map_files = false;
      options.max_depth = max_depth;
      unwinder_ = std::make_unique<DwarfUnwinder>(options);
    }
    auto view = s.view();
    view.pid = kReplayPid;
    return unwinder_->unwind(view);
  }
  ReplayRoot root_;
  std::unique_ptr<DwarfUnwinder> unwinder_;
};

TEST_F(DwarfUnwinderTest, RecordedSnapshotRoundTripsThroughAFileAndUnwindsToTheStart) {
  RecordedSnapshot recorded = record_chain(16384);
  std::stringstream file;
  write_snapshot(file, recorded);
  auto loaded = read_snapshot(file);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->stack, recorded.stack);
  EXPECT_EQ(loaded->regs, recorded.regs);

  auto result = replay(*loaded);
  auto n = names(result.frames);
  ASSERT_GE(n.size(), 5u);
  EXPECT_EQ(n[0], "ksight_rec_capture");
  EXPECT_EQ(n[1], "ksight_rec_leaf");
  EXPECT_EQ(n[2], "ksight_rec_middle");
  EXPECT_EQ(n[3], "ksight_rec_outer");
  EXPECT_TRUE(has(n, "main")) << ::testing::PrintToString(n);
  EXPECT_FALSE(result.error) << (result.error ? unwind_error_name(*result.error) : "")
                             << ::testing::PrintToString(n);
  EXPECT_EQ(unwinder_->stats().total_errors(), 0u);
}

TEST_F(DwarfUnwinderTest, TruncatedCopyGivesThePrefixAndCountsTruncatedStack) {
  RecordedSnapshot full = record_chain(16384);
  auto whole = replay(full);
  RecordedSnapshot cut = full;
  cut.stack.resize(48);
  auto partial = replay(cut);
  ASSERT_TRUE(partial.error);
  EXPECT_EQ(*partial.error, UnwindError::kTruncatedStack);
  ASSERT_GE(partial.frames.size(), 1u);
  ASSERT_LT(partial.frames.size(), whole.frames.size());
  EXPECT_TRUE(std::equal(partial.frames.begin(), partial.frames.end(), whole.frames.begin()));
  EXPECT_EQ(unwinder_->stats().error(UnwindError::kTruncatedStack), 1u);

  cut.stack.clear();
  auto empty = replay(cut);
  EXPECT_EQ(empty.frames.size(), 1u);
  EXPECT_TRUE(empty.error);
}

TEST_F(DwarfUnwinderTest, DeepRecursionStopsAtTheDepthLimit) {
  RecordedSnapshot deep = record_recursion(200, 16384);
  auto result = replay(deep, 50);
  EXPECT_EQ(result.frames.size(), 50u);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(*result.error, UnwindError::kMaxDepth);
  auto n = names(result.frames);
  EXPECT_EQ(std::count(n.begin(), n.end(), "ksight_rec_recurse"), 49);
}

TEST_F(DwarfUnwinderTest, CorruptStacksAndRegistersNeverCrash) {
  RecordedSnapshot base = record_chain(4096);
  replay(base);
  std::mt19937_64 rng(42);
  for (int i = 0; i < 300; ++i) {
    RecordedSnapshot s = base;
    for (auto& byte : s.stack) {
      if (rng() % 4 == 0) byte = static_cast<uint8_t>(rng());
    }
    if (i % 3 == 0) s.regs[unwind::kRegRsp] += rng() % 64;  // misaligned or shifted
    if (i % 5 == 0) s.regs[unwind::kRegRip] = rng();        // wild pc
    if (i % 7 == 0) s.regs[unwind::kRegRip] = 0;
    if (i % 11 == 0) s.stack.resize(rng() % (s.stack.size() + 1));  // random truncation
    auto result = replay(s);
    EXPECT_GE(result.frames.size(), 1u);
    EXPECT_LE(result.frames.size(), 127u);
  }
  EXPECT_GT(unwinder_->stats().total_errors(), 0u);
}

TEST(DwarfUnwinderErrors, ProcessWithoutMapsIsGoneAndUnknownPcHasNoModule) {
  ReplayRoot root;
  UnwinderOptions options;
  options.proc_root = root.dir();
  DwarfUnwinder unwinder(options);
  unwind::StackSnapshot s;
  s.pid = 7;
  auto gone = unwinder.unwind(s);
  ASSERT_TRUE(gone.error);
  EXPECT_EQ(*gone.error, UnwindError::kProcessGone);

  RecordedSnapshot recorded = record_chain(1024);
  root.add(8, recorded.maps);
  RecordedSnapshot wild = recorded;
  wild.pid = 8;
  wild.regs[unwind::kRegRip] = 0x10;
  auto result = unwinder.unwind(wild.view());
  ASSERT_TRUE(result.error);
  EXPECT_EQ(*result.error, UnwindError::kNoModule);
  EXPECT_EQ(unwinder.stats().error(UnwindError::kProcessGone), 1u);
}

TEST(SnapshotFile, RejectsBadMagicAndTruncatedFiles) {
  std::stringstream bad("NOTASNAPSHOT");
  EXPECT_FALSE(read_snapshot(bad));
  RecordedSnapshot s = record_chain(256);
  std::stringstream file;
  write_snapshot(file, s);
  std::string bytes = file.str();
  for (size_t cut : {size_t{8}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
    std::stringstream truncated(bytes.substr(0, cut));
    EXPECT_FALSE(read_snapshot(truncated)) << cut;
  }
  std::string huge = bytes;
  uint32_t big = 0xffffffff;
  std::memcpy(huge.data() + 8 + 8 + 17 * 8, &big, sizeof(big));
  std::stringstream oversized(huge);
  EXPECT_FALSE(read_snapshot(oversized));
}

TEST(DwarfUnwinderLive, FramePointerBasedTellsFramePointerCodeFromOmittedOnes) {
  DwarfUnwinder unwinder;
  RecordedSnapshot s = record_chain(1024);
  // ksight_rec_capture is built -fomit-frame-pointer: its CFA is rsp-based.
  auto nofp = unwinder.frame_pointer_based(s.pid, s.regs[unwind::kRegRip]);
  ASSERT_TRUE(nofp);
  EXPECT_FALSE(*nofp);
  // This test body is built with frame pointers (the project default):
  // after its prologue the CFA is rbp-based.
  auto here = reinterpret_cast<uint64_t>(__builtin_return_address(0));
  (void)here;
  uint64_t pc = 0;
  __asm__ volatile("lea 0(%%rip), %0" : "=r"(pc));
  auto fp = unwinder.frame_pointer_based(s.pid, pc);
  ASSERT_TRUE(fp);
  EXPECT_TRUE(*fp);
}

}  // namespace
}  // namespace ksight::testing
