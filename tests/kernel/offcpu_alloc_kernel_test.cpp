// Kernel tier for issue 8's profile types: the off-CPU profiler against a
// program that sleeps in a known function.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "agent/alloc_profiler.h"
#include "agent/feature_probe.h"
#include "agent/offcpu_profiler.h"
#include "common/error.h"
#include "support/subprocess.h"
#include "symbolizer/elf_symbolizer.h"

namespace ksight::agent {
namespace {

const std::string kPipes = std::string(KSIGHT_BINARY_DIR) + "/tests/workloads/ksight_kmem_pipes";
const std::string kSleeper =
    std::string(KSIGHT_BINARY_DIR) + "/tests/workloads/ksight_offcpu_sleeper";

// The real probe, except that tp_btf is reported missing: the raw_tp twin.
class NoTpBtf : public KernelFeatures {
 public:
  FeatureStatus status(Feature f) override {
    if (f == Feature::kTpBtf) return {false, "disabled by the test"};
    return kernel_features().status(f);
  }
  KernelInfo info() override { return kernel_features().info(); }
};

std::unique_ptr<OffCpuProfiler> start_or_skip(const OffCpuOptions& options,
                                              KernelFeatures& features = kernel_features()) {
  if (geteuid() != 0) return nullptr;
  try {
    return std::make_unique<OffCpuProfiler>(options, features);
  } catch (const CapabilityError& e) {
    ADD_FAILURE() << "kernel refused the off-CPU program: " << e.what();
    return nullptr;
  }
}

bool has_frame(const profile::Profile& p, const profile::Sample& s, const std::string& name) {
  for (uint64_t id : s.location_ids) {
    for (const auto& line : p.location(id).lines) {
      if (line.function == name) return true;
    }
  }
  return false;
}

// Names every address "k_<hex>" / "u_<hex>" (no root needed).
class NamingSymbolizer : public symbolizer::Symbolizer {
 public:
  void observe_process(uint32_t) override {}
  void forget_process(uint32_t) override {}
  std::vector<symbolizer::SymbolizedAddress> symbolize_user(
      uint32_t, std::span<const uint64_t> addresses) override {
    return named(addresses, "u_");
  }
  std::vector<symbolizer::SymbolizedAddress> symbolize_kernel(
      std::span<const uint64_t> addresses) override {
    return named(addresses, "k_");
  }
  symbolizer::SymbolizerStats stats() const override { return {}; }

 private:
  static std::vector<symbolizer::SymbolizedAddress> named(std::span<const uint64_t> addresses,
                                                          const char* prefix) {
    std::vector<symbolizer::SymbolizedAddress> out;
    for (uint64_t a : addresses) {
      char name[40];
      snprintf(name, sizeof(name), "%s%llx", prefix, static_cast<unsigned long long>(a));
      out.push_back({a, std::nullopt, {{name, name, "", 0}}, true});
    }
    return out;
  }
};

TEST(OffCpuProfileTest, StacksBecomeOffCpuSamples) {
  std::vector<OffCpuStack> stacks = {
      {7, "sleeper", {0xffffffff81000010, 0xffffffff81000101}, {0x401010, 0x402001}, 300, 3},
      {8, "other", {}, {0x401010}, 50, 1}};
  NamingSymbolizer symbolizer;
  auto p = build_offcpu_profile(stacks, symbolizer, 10, 20);
  ASSERT_EQ(p.sample_types.size(), 2u);
  EXPECT_EQ(p.default_sample_type, "off_cpu");
  ASSERT_EQ(p.samples.size(), 2u);
  const auto& s = p.samples[0];
  EXPECT_EQ(s.values, (std::vector<int64_t>{3, 300}));
  EXPECT_EQ(s.label("comm"), "sleeper");
  ASSERT_EQ(s.location_ids.size(), 4u);  // kernel leaf first, then user
  EXPECT_EQ(p.location(s.location_ids[0]).lines[0].function, "k_ffffffff81000010");
  EXPECT_TRUE(p.location(s.location_ids[0]).kernel);
  // Return addresses are symbolized at the call (address - 1).
  EXPECT_EQ(p.location(s.location_ids[1]).lines[0].function, "k_ffffffff81000100");
  EXPECT_EQ(p.location(s.location_ids[2]).lines[0].function, "u_401010");
  EXPECT_EQ(p.location(s.location_ids[3]).lines[0].function, "u_402000");
  EXPECT_EQ(p.time_nanos, 10);
  EXPECT_EQ(p.duration_nanos, 20);
}

TEST(OffCpuKernelTest, BlockedTimeLandsOnTheSleepingFunction) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF";
  testing::Subprocess sleeper({kSleeper, "5"});
  ASSERT_TRUE(sleeper.wait_for_output("ready", std::chrono::seconds(5)));
  auto profiler = start_or_skip({1000000, static_cast<uint32_t>(sleeper.pid()), true, true});
  ASSERT_TRUE(profiler);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto stacks = profiler->drain();
  auto symbolizer = symbolizer::make_symbolizer();
  auto p = build_offcpu_profile(stacks, *symbolizer, 0, 1500000000);
  ASSERT_EQ(p.sample_types[1].type, "off_cpu");
  EXPECT_EQ(p.sample_types[1].unit, "nanoseconds");
  int64_t in_known = 0, kernel_schedule = 0, total = 0;
  for (const auto& s : p.samples) {
    EXPECT_EQ(s.label("comm"), "ksight_offcpu_s");
    total += s.values[1];
    if (has_frame(p, s, "ksight_sleep_in_known_function")) {
      in_known += s.values[1];
      if (has_frame(p, s, "schedule")) kernel_schedule += s.values[1];
    }
  }
  std::cout << "off-CPU via " << profiler->attach_mode() << ": " << stacks.size()
            << " stacks, total " << total / 1000000 << " ms, in the known function "
            << in_known / 1000000 << " ms\n";
  // ~1.5 s of 20 ms sleeps: nearly all of it blocked in the known function.
  EXPECT_GT(in_known, 1000000000);
  EXPECT_LE(total, 1600000000);
  EXPECT_GT(kernel_schedule, 0) << "kernel part of the stack should pass through schedule()";
  auto c = profiler->counters();
  EXPECT_EQ(c.lost_keys_full + c.lost_threads_full, 0u);
}

TEST(OffCpuKernelTest, RawTracepointTwinWhenTpBtfIsMissing) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF";
  testing::Subprocess sleeper({kSleeper, "3"});
  ASSERT_TRUE(sleeper.wait_for_output("ready", std::chrono::seconds(5)));
  NoTpBtf features;
  auto profiler =
      start_or_skip({1000000, static_cast<uint32_t>(sleeper.pid()), true, true}, features);
  ASSERT_TRUE(profiler);
  EXPECT_EQ(profiler->attach_mode(), "raw_tp");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  auto symbolizer = symbolizer::make_symbolizer();
  auto p = build_offcpu_profile(profiler->drain(), *symbolizer, 0, 600000000);
  int64_t in_known = 0;
  for (const auto& s : p.samples) {
    if (has_frame(p, s, "ksight_sleep_in_known_function")) in_known += s.values[1];
  }
  EXPECT_GT(in_known, 300000000);
}

TEST(OffCpuKernelTest, MinimumDurationFiltersShortBlocks) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF";
  testing::Subprocess sleeper({kSleeper, "3"});
  ASSERT_TRUE(sleeper.wait_for_output("ready", std::chrono::seconds(5)));
  // 20 ms sleeps never reach a 200 ms minimum.
  auto profiler = start_or_skip({200000000, static_cast<uint32_t>(sleeper.pid()), true, true});
  ASSERT_TRUE(profiler);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_TRUE(profiler->drain().empty());
}

// Sums value `index` of the samples whose stack passes through any of `names`.
int64_t through(const profile::Profile& p, const std::vector<std::string>& names, size_t index) {
  int64_t sum = 0;
  for (const auto& s : p.samples) {
    for (const auto& n : names) {
      if (has_frame(p, s, n)) {
        sum += s.values[index];
        break;
      }
    }
  }
  return sum;
}

TEST(KernelAllocKernelTest, PipesShowUpAllocatedThenFreed) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF";
  testing::Subprocess pipes({kPipes});
  ASSERT_TRUE(pipes.wait_for_output("ready", std::chrono::seconds(5)));
  std::unique_ptr<KernelAllocProfiler> profiler;
  try {
    profiler = std::make_unique<KernelAllocProfiler>(
        KernelAllocOptions{static_cast<uint32_t>(pipes.pid())}, kernel_features());
  } catch (const CapabilityError& e) {
    FAIL() << "kernel refused the allocation program: " << e.what();
  }
  ASSERT_TRUE(pipes.wait_for_output("allocated", std::chrono::seconds(5)));
  auto symbolizer = symbolizer::make_symbolizer();
  auto held = build_kernel_alloc_profile(profiler->drain(), *symbolizer, 0, 1);
  const std::vector<std::string> pipe_path = {"do_pipe2", "__do_pipe_flags", "create_pipe_files"};
  int64_t objects = through(held, pipe_path, 0);
  int64_t bytes = through(held, pipe_path, 1);
  int64_t inuse = through(held, pipe_path, 3);
  std::cout << "pipe path: " << objects << " allocations, " << bytes << " bytes, " << inuse
            << " bytes in use\n";
  // Each pipe allocates at least its pipe_inode_info and its buffer array.
  EXPECT_GE(objects, 2 * 200);
  EXPECT_GE(bytes, 200 * 64);
  EXPECT_GT(inuse, bytes / 2);
  for (const auto& s : held.samples) EXPECT_EQ(s.label("comm"), "ksight_kmem_pip");

  ASSERT_TRUE(pipes.wait_for_output("freed", std::chrono::seconds(5)));
  auto freed = build_kernel_alloc_profile(profiler->drain(), *symbolizer, 0, 1);
  int64_t inuse_after = through(freed, pipe_path, 3);
  std::cout << "after close: " << inuse_after << " bytes in use\n";
  EXPECT_LT(inuse_after, inuse / 4) << "kfree matching should release the pipes' bytes";
  EXPECT_EQ(through(freed, pipe_path, 0), 0) << "alloc_* are per drain";
  EXPECT_EQ(profiler->counters().lost_keys_full, 0u);
}

}  // namespace
}  // namespace ksight::agent
