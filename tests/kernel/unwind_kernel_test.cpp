// Full user stacks of code without frame pointers (`ksight profile --unwind`),
// on the real kernel: the -fomit-frame-pointer workload and a Debian-packaged
// program, with the shares printed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kernel/folded_stacks.h"
#include "support/subprocess.h"

namespace ksight::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kKsight = KSIGHT_BIN;
const std::string kWorkloads = std::string(KSIGHT_BINARY_DIR) + "/tests/workloads/";
const std::vector<std::string> kHogChain = {"main", "hog_outer", "hog_middle", "hog_leaf"};

class UnwindKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "KERNEL TIER SKIPPED: needs root to load BPF programs";
    char pattern[] = "/tmp/ksight-unwind-test-XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::vector<FoldedStack> profile(pid_t pid, const std::vector<std::string>& extra,
                                   RunResult* result, const std::string& duration = "3s") {
    std::string out = dir_ + "/p.folded";
    std::vector<std::string> argv = {kKsight, "profile", "--pid", std::to_string(pid),
                                     "-d",    duration,  "-o",    out};
    argv.insert(argv.end(), extra.begin(), extra.end());
    *result = run(argv);
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_folded(ss.str());
  }
  std::string dir_;
};

bool has_frame(const FoldedStack& s, const std::string& name) {
  return std::find(s.frames.begin(), s.frames.end(), name) != s.frames.end();
}

double share(uint64_t part, uint64_t total) {
  return total ? static_cast<double>(part) / static_cast<double>(total) : 0.0;
}

// The acceptance test of issue 4: a -O2 -fomit-frame-pointer program's
// samples carry main;hog_outer;hog_middle;hog_leaf whole.
TEST_F(UnwindKernelTest, NoFramePointerHogCarriesTheWholeChainInAutoMode) {
  Subprocess hog({kWorkloads + "ksight_cpu_hog_nofp", "10"});
  ASSERT_TRUE(hog.wait_for_output("ready", 10s));
  RunResult r;
  auto stacks = profile(hog.pid(), {}, &r);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  uint64_t total = count_if(stacks, [](auto&) { return true; });
  uint64_t whole = count_if(stacks, [](auto& s) { return contains_chain(s, kHogChain); });
  uint64_t reaching_start = count_if(stacks, [](auto& s) {
    return has_frame(s, "__libc_start_call_main") || has_frame(s, "__libc_start_main");
  });
  std::printf("nofp hog, --unwind auto: %lu samples, whole chain %.1f%%, below main %.1f%%\n%s",
              static_cast<unsigned long>(total), 100 * share(whole, total),
              100 * share(reaching_start, total), r.err.c_str());
  ASSERT_GT(total, 20u) << r.err;
  EXPECT_GE(share(whole, total), 0.95) << r.err;
  EXPECT_NE(r.err.find("unwind (auto)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unwind_errors:"), std::string::npos) << r.err;
}

TEST_F(UnwindKernelTest, DwarfModeMatchesAndFramePointerModeStopsAtTheLeaf) {
  Subprocess hog({kWorkloads + "ksight_cpu_hog_nofp", "12"});
  ASSERT_TRUE(hog.wait_for_output("ready", 10s));
  RunResult dwarf, fp;
  auto dwarf_stacks =
      profile(hog.pid(), {"--unwind", "dwarf", "--stack-bytes", "8192"}, &dwarf, "2s");
  auto fp_stacks = profile(hog.pid(), {"--unwind", "fp"}, &fp, "2s");
  ASSERT_EQ(dwarf.exit_code, 0) << dwarf.err;
  ASSERT_EQ(fp.exit_code, 0) << fp.err;
  auto whole = [](auto& s) { return contains_chain(s, kHogChain); };
  auto all = [](auto&) { return true; };
  double dwarf_share = share(count_if(dwarf_stacks, whole), count_if(dwarf_stacks, all));
  double fp_share = share(count_if(fp_stacks, whole), count_if(fp_stacks, all));
  std::printf("nofp hog whole chain: dwarf %.1f%%, fp %.1f%%\n", 100 * dwarf_share, 100 * fp_share);
  EXPECT_GE(dwarf_share, 0.95) << dwarf.err;
  EXPECT_LT(fp_share, 0.5)
      << "frame pointers cannot see past the leaf of -fomit-frame-pointer code";
}

// A frame-pointer program calling into libc (no frame pointers): the mixed
// chain comes out whole, with the libc frames a frame-pointer walk skips.
TEST_F(UnwindKernelTest, FramePointerProgramKeepsItsChainAndGainsLibcFrames) {
  Subprocess hog({kWorkloads + "ksight_cpu_hog", "10"});
  ASSERT_TRUE(hog.wait_for_output("ready", 10s));
  RunResult r;
  auto stacks = profile(hog.pid(), {}, &r);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  uint64_t total = count_if(stacks, [](auto&) { return true; });
  uint64_t whole = count_if(stacks, [](auto& s) {
    return contains_chain(s, kHogChain) &&
           (has_frame(s, "__libc_start_call_main") || has_frame(s, "__libc_start_main"));
  });
  std::printf("fp hog, auto: whole chain down to libc start %.1f%%\n", 100 * share(whole, total));
  ASSERT_GT(total, 20u);
  EXPECT_GE(share(whole, total), 0.95) << r.err;
}

// A Debian-packaged program without frame pointers: python3's eval loop.
TEST_F(UnwindKernelTest, DebianPythonStacksReachMain) {
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "python3 missing";
  Subprocess py({"/usr/bin/python3", "-c",
                 "import time\nprint('ready', flush=True)\nt = time.time() + 10\n"
                 "while time.time() < t:\n    sum(i * i for i in range(1000))\n"});
  ASSERT_TRUE(py.wait_for_output("ready", 10s));
  RunResult auto_run, fp_run;
  auto stacks = profile(py.pid(), {}, &auto_run);
  auto fp_stacks = profile(py.pid(), {"--unwind", "fp"}, &fp_run, "2s");
  ASSERT_EQ(auto_run.exit_code, 0) << auto_run.err;
  auto reaches_main = [](auto& s) {
    return has_frame(s, "main") || has_frame(s, "__libc_start_call_main") ||
           has_frame(s, "__libc_start_main");
  };
  auto all = [](auto&) { return true; };
  uint64_t total = count_if(stacks, all);
  uint64_t depth_sum = 0;
  for (const auto& s : stacks) depth_sum += (s.frames.size() - 1) * s.count;
  double dwarf_share = share(count_if(stacks, reaches_main), total);
  double fp_share = share(count_if(fp_stacks, reaches_main), count_if(fp_stacks, all));
  std::printf("python3: %lu samples reaching main: auto %.1f%% (avg depth %.1f), fp %.1f%%\n%s",
              static_cast<unsigned long>(total), 100 * dwarf_share,
              total ? static_cast<double>(depth_sum) / static_cast<double>(total) : 0.0,
              100 * fp_share, auto_run.err.c_str());
  ASSERT_GT(total, 20u) << auto_run.err;
  EXPECT_GE(dwarf_share, 0.8) << auto_run.err;
}

// 60 frames of 1 KiB: the 16 KiB copy holds ~15 of them, so DWARF stops
// (truncated_stack, counted) and the frame-pointer frames above complete it.
TEST_F(UnwindKernelTest, StackDeeperThanTheCopyIsContinuedWithFramePointers) {
  Subprocess deep({kWorkloads + "ksight_deep_stack", "10"});
  ASSERT_TRUE(deep.wait_for_output("ready", 10s));
  RunResult r;
  auto stacks = profile(deep.pid(), {}, &r);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  uint64_t total = count_if(stacks, [](auto&) { return true; });
  uint64_t whole = count_if(stacks, [](auto& s) {
    return has_frame(s, "main") && std::count(s.frames.begin(), s.frames.end(), "deep_frame") == 61;
  });
  std::printf("deep stack: whole (61 deep_frame + main) %.1f%%\n%s", 100 * share(whole, total),
              r.err.c_str());
  ASSERT_GT(total, 20u) << r.err;
  EXPECT_GE(share(whole, total), 0.9) << r.err;
  EXPECT_NE(r.err.find("truncated_stack="), std::string::npos) << r.err;
}

TEST_F(UnwindKernelTest, BadUnwindFlagsFailBeforeSampling) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {{{"--unwind", "lbr"}, "--unwind 'lbr'"},
                             {{"--stack-bytes", "8"}, "--stack-bytes 8"},
                             {{"--stack-bytes", "65536"}, "--stack-bytes 65536"}};
  for (const auto& c : cases) {
    std::vector<std::string> argv = {kKsight, "profile", "-d", "1s", "-o", dir_ + "/x.folded"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = run(argv, 20s);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ + "/x.folded"));
  }
}

}  // namespace
}  // namespace ksight::testing
