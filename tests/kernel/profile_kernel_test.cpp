// `ksight profile` against workloads with known stacks, on the real kernel.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "export/pprof_reader.h"
#include "kernel/folded_stacks.h"
#include "support/subprocess.h"

namespace ksight::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kKsight = KSIGHT_BIN;
const std::string kWorkloads = std::string(KSIGHT_BINARY_DIR) + "/tests/workloads/";

class ProfileKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "KERNEL TIER SKIPPED: needs root to load BPF programs";
    char pattern[] = "/tmp/ksight-profile-test-XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Starts a workload and waits for its "ready" line.
  std::unique_ptr<Subprocess> start_workload(const std::string& name, const std::string& seconds) {
    auto child = std::make_unique<Subprocess>(std::vector<std::string>{kWorkloads + name, seconds});
    EXPECT_TRUE(child->wait_for_output("ready", 10s)) << name << " did not start";
    return child;
  }
  std::string dir_;
};

// CPU seconds a process has used (utime + stime of /proc/PID/stat). The
// machine may be busy, so expected sample counts follow the CPU the workload
// really got, not the wall-clock time.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

bool leaf_is(const FoldedStack& s, const std::string& name) {
  return !s.frames.empty() && s.frames.back() == name;
}

TEST_F(ProfileKernelTest, HotLeafHoldsMostSamplesWithItsWholeCallerChain) {
  auto hog = start_workload("ksight_cpu_hog", "10");
  std::string out = dir_ + "/hog.folded";
  double cpu_before = cpu_seconds(hog->pid());
  auto r =
      run({kKsight, "profile", "--pid", std::to_string(hog->pid()), "--duration", "3s", "-o", out});
  double cpu_used = cpu_seconds(hog->pid()) - cpu_before;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stacks = parse_folded(read_file(out));
  uint64_t total = count_if(stacks, [](auto& s) { return s.frames[0] == "ksight_cpu_hog"; });
  uint64_t in_leaf = count_if(stacks, [](auto& s) { return leaf_is(s, "hog_leaf"); });
  uint64_t whole_chain = count_if(stacks, [](auto& s) {
    return contains_chain(s, {"main", "hog_outer", "hog_middle", "hog_leaf"});
  });
  // 99 samples per CPU second the hog got (minus start-up and tick jitter).
  EXPECT_GE(static_cast<double>(total), cpu_used * 99 * 0.6) << r.err;
  EXPECT_GT(total, 20u) << r.err;
  EXPECT_GE(in_leaf, total * 8 / 10) << "hog_leaf should hold most samples";
  EXPECT_GE(whole_chain, total * 8 / 10) << "main;hog_outer;hog_middle;hog_leaf should be whole";
  EXPECT_NE(r.err.find("lost samples: 0"), std::string::npos) << r.err;
}

TEST_F(ProfileKernelTest, SyscallHeavyWorkloadShowsKernelFrames) {
  auto storm = start_workload("ksight_syscall_storm", "10");
  std::string out = dir_ + "/storm.folded";
  auto r = run({kKsight, "profile", "-p", std::to_string(storm->pid()), "-d", "2s", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stacks = parse_folded(read_file(out));
  uint64_t total = count_if(stacks, [](auto&) { return true; });
  uint64_t with_kernel = count_if(stacks, [](auto& s) {
    for (const auto& f : s.frames) {
      if (f.size() > 4 && f.compare(f.size() - 4, 4, "_[k]") == 0) return true;
    }
    return false;
  });
  uint64_t in_read = count_if(stacks, [](auto& s) {
    for (const auto& f : s.frames) {
      if (f.find("read") != std::string::npos && f.find("_[k]") != std::string::npos) return true;
    }
    return false;
  });
  ASSERT_GT(total, 20u);
  EXPECT_GE(with_kernel, total / 2) << "reads of /dev/zero spend most time in the kernel";
  EXPECT_GT(in_read, 0u) << "a kernel read path (ksys_read/vfs_read...) should appear";
  // libc's read() has no frame pointer, so its caller is skipped by a
  // frame-pointer walk, but the walk continues from there down to main.
  uint64_t reaching_main = count_if(stacks, [](auto& s) {
    return std::find(s.frames.begin(), s.frames.end(), "main") != s.frames.end();
  });
  EXPECT_GE(reaching_main, total * 8 / 10) << "user frames stay below the kernel ones";
}

TEST_F(ProfileKernelTest, PprofOutputCarriesTypesMappingsAndLabels) {
  auto hog = start_workload("ksight_cpu_hog", "10");
  std::string out = dir_ + "/hog.pb.gz";
  auto r = run(
      {kKsight, "profile", "--pid", std::to_string(hog->pid()), "-d", "2s", "-F", "49", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(out, std::ios::binary);
  profile::Profile p = exporter::read_pprof(in);
  ASSERT_EQ(p.sample_types.size(), 2u);
  EXPECT_EQ(p.sample_types[0].type, "samples");
  EXPECT_EQ(p.sample_types[1].type, "cpu");
  EXPECT_EQ(p.sample_types[1].unit, "nanoseconds");
  EXPECT_EQ(p.period, 1'000'000'000 / 49);
  bool hog_mapping_with_build_id = false;
  for (const auto& m : p.mappings) {
    if (m.file.find("ksight_cpu_hog") != std::string::npos) {
      hog_mapping_with_build_id = !m.build_id.empty();
    }
  }
  EXPECT_TRUE(hog_mapping_with_build_id);
  int64_t leaf_samples = 0, all = 0;
  for (const auto& s : p.samples) {
    all += s.values[0];
    EXPECT_EQ(s.values[1], s.values[0] * p.period);
    EXPECT_EQ(s.label("comm"), "ksight_cpu_hog");
    if (!s.location_ids.empty() && p.location(s.location_ids[0]).lines[0].function == "hog_leaf") {
      leaf_samples += s.values[0];
    }
  }
  EXPECT_GT(all, 10);
  EXPECT_GE(leaf_samples, all * 8 / 10);
}

TEST_F(ProfileKernelTest, ProcessThatExitsDuringTheProfileIsStillSymbolized) {
  auto hog = start_workload("ksight_cpu_hog", "1");
  std::string out = dir_ + "/short.folded";
  auto r = run({kKsight, "profile", "-d", "3s", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(hog->wait(5s), 0);
  auto stacks = parse_folded(read_file(out));
  uint64_t named = count_if(
      stacks, [](auto& s) { return s.frames[0] == "ksight_cpu_hog" && leaf_is(s, "hog_leaf"); });
  EXPECT_GT(named, 10u) << "the exited hog's samples must keep their names";
}

TEST_F(ProfileKernelTest, CtrlCEndsEarlyAndStillWritesTheProfile) {
  auto hog = start_workload("ksight_cpu_hog", "30");
  std::string out = dir_ + "/interrupted.svg";
  Subprocess profiler(
      {kKsight, "profile", "--pid", std::to_string(hog->pid()), "-d", "60s", "-o", out});
  ASSERT_TRUE(profiler.wait_for_output("sampling", 20s, /*from_stderr=*/true)) << profiler.err();
  ASSERT_TRUE(profiler.wait_for_output("samples", 20s, true) ||
              profiler.err().find("sampling") != std::string::npos);
  profiler.send_signal(SIGINT);
  auto code = profiler.wait(10s);
  ASSERT_TRUE(code.has_value()) << "ksight did not stop on SIGINT";
  EXPECT_EQ(*code, 0) << profiler.err();
  std::string svg = read_file(out);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("hog_leaf"), std::string::npos);
}

TEST_F(ProfileKernelTest, BadInputFailsBeforeSamplingAndLeavesNoFile) {
  std::string out = dir_ + "/never.folded";
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"--pid", "4194303"}, "no such process"},
      {{"-d", "abc"}, "--duration"},
      {{"-d", "0s"}, "--duration"},
      {{"-F", "0"}, "--frequency"},
      {{"-F", "100000000"}, "--frequency"},
      {{"--format", "png"}, "--format"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {kKsight, "profile", "-o", out};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = run(argv, 20s);
    EXPECT_EQ(r.exit_code, 1) << c.args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
  }
  auto r = run({kKsight, "profile", "-d", "1s", "-o", "/nonexistent-dir/x.folded"}, 20s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot write /nonexistent-dir/x.folded"), std::string::npos) << r.err;
}

TEST_F(ProfileKernelTest, WithoutCapabilitiesExitsTwoWithOneLineAndNoFile) {
  if (access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv (util-linux) missing";
  chmod(dir_.c_str(), 0777);
  std::string out = dir_ + "/nocap.folded";
  auto r =
      run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
           "--inh-caps=-all", "--bounding-set=-all", kKsight, "profile", "-d", "1s", "-o", out},
          20s);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("CAP_BPF"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace ksight::testing
