// Kernel tier for the user allocation profiler (issue 8): uprobes on the
// libc and libstdc++ of tests/workloads/ualloc_known.cpp, which allocates
// known bytes from known functions (256 MiB malloc'ed and freed at once in
// ksight_alloc_big, 64 MiB of operator new kept alive in ksight_alloc_small).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <iostream>

#include "agent/feature_probe.h"
#include "agent/ualloc_profiler.h"
#include "alloc_checks.h"
#include "common/error.h"
#include "support/subprocess.h"
#include "symbolizer/elf_symbolizer.h"

namespace ksight::agent {
namespace {

const std::string kKnown = std::string(KSIGHT_BINARY_DIR) + "/tests/workloads/ksight_ualloc_known";
constexpr double kMiB = 1024.0 * 1024.0;

using testing::has_frame;
using testing::through;

void print_samples(const profile::Profile& p) {
  for (const auto& s : p.samples) {
    std::cout << "  sample alloc_space " << s.values[1] << ":";
    for (uint64_t id : s.location_ids) {
      const auto& loc = p.location(id);
      std::cout << " " << (loc.lines.empty() ? "?" : loc.lines[0].function);
    }
    std::cout << "\n";
  }
}

struct Measured {
  double big_alloc, small_alloc, big_inuse, small_inuse;
  // calloc, realloc, posix_memalign: {alloc_space, inuse_space}
  std::pair<double, double> calloc_kept{}, realloc_grow{}, memalign{};
};

// Runs the workload under the profiler at `rate` and measures both functions.
Measured profile_known(uint64_t rate) {
  testing::Subprocess known({kKnown});
  EXPECT_TRUE(known.wait_for_output("ready", std::chrono::seconds(5)));
  UserAllocProfiler profiler({static_cast<uint32_t>(known.pid()), rate}, kernel_features());
  std::cout << "attached " << profiler.attached().size() << " probes, skipped "
            << profiler.skipped().size() << "\n";
  known.send_signal(SIGUSR1);
  EXPECT_TRUE(known.wait_for_output("done", std::chrono::seconds(120)));
  auto counts = profiler.drain_counts();
  auto symbolizer = symbolizer::make_symbolizer();
  auto p = build_user_alloc_profile(unsample_counts(counts, rate), *symbolizer, rate, 0, 1);
  for (const auto& s : p.samples) EXPECT_EQ(s.label("comm"), "ksight_ualloc_k");
  Measured m{through(p, "ksight_alloc_big", 1), through(p, "ksight_alloc_small", 1),
             through(p, "ksight_alloc_big", 3), through(p, "ksight_alloc_small", 3)};
  for (auto [name, out] : {std::pair{"ksight_calloc_kept", &m.calloc_kept},
                           std::pair{"ksight_realloc_grow", &m.realloc_grow},
                           std::pair{"ksight_memalign", &m.memalign}}) {
    *out = {through(p, name, 1), through(p, name, 3)};
    std::cout << "  " << name << ": alloc_space " << out->first / kMiB << " MiB, inuse_space "
              << out->second / kMiB << " MiB\n";
  }
  auto c = profiler.counters();
  std::cout << "rate " << rate << ": " << counts.size() << " keys; alloc_space big "
            << m.big_alloc / kMiB << " MiB (want 256), small " << m.small_alloc / kMiB
            << " MiB (want 64); inuse_space big " << m.big_inuse / kMiB << " MiB (want 0), small "
            << m.small_inuse / kMiB << " MiB (want 64); lost keys " << c.lost_keys_full << " live "
            << c.lost_live_full << " stack errors " << c.stack_errors << " missed returns "
            << c.missed_returns << "\n";
  EXPECT_EQ(c.lost_keys_full + c.lost_live_full + c.missed_returns, 0u);
  if (m.big_alloc == 0 || m.small_alloc == 0) print_samples(p);
  known.send_signal(SIGUSR1);
  EXPECT_EQ(known.wait(std::chrono::seconds(10)), 0);
  return m;
}

bool can_run() {
  if (geteuid() != 0) return false;
  auto status = kernel_features().status(Feature::kUprobe);
  if (!status.available) std::cerr << "SKIP LOUDLY: no uprobes: " << status.detail << "\n";
  return status.available;
}

// 64 KiB: ~2600 samples of the 64 KiB chunks, ~1000 of the 256-byte ones,
// so ±15% is more than 4 standard deviations for both.
TEST(UallocKernelTest, KnownBytesFromKnownFunctionsAt64KiB) {
  if (!can_run()) GTEST_SKIP() << "needs root and uprobes";
  auto m = profile_known(64 * 1024);
  EXPECT_NEAR(m.big_alloc / kMiB, 256, 256 * 0.15);
  EXPECT_NEAR(m.small_alloc / kMiB, 64, 64 * 0.15);
  EXPECT_NEAR(m.small_inuse / kMiB, 64, 64 * 0.15) << "operator new chunks are kept";
  EXPECT_LT(m.big_inuse / kMiB, 256 * 0.01) << "malloc chunks are freed at once";
  // calloc counts nmemb * size; realloc frees the old block and allocates
  // the new size; posix_memalign's pointer comes back through memptr.
  EXPECT_NEAR(m.calloc_kept.first / kMiB, 32, 32 * 0.15);
  EXPECT_NEAR(m.calloc_kept.second / kMiB, 32, 32 * 0.15);
  EXPECT_NEAR(m.realloc_grow.first / kMiB, 80, 80 * 0.15);
  EXPECT_LT(m.realloc_grow.second / kMiB, 80 * 0.01);
  EXPECT_NEAR(m.memalign.first / kMiB, 64, 64 * 0.15);
  EXPECT_LT(m.memalign.second / kMiB, 64 * 0.01);
}

// The default 512 KiB: ~480 samples of the big chunks (σ ≈ 4.5%), only
// ~128 of the small ones (σ ≈ 9%): bounds at about 4σ.
TEST(UallocKernelTest, KnownBytesFromKnownFunctionsAtTheDefaultRate) {
  if (!can_run()) GTEST_SKIP() << "needs root and uprobes";
  auto m = profile_known(kDefaultSampleBytes);
  EXPECT_NEAR(m.big_alloc / kMiB, 256, 256 * 0.20);
  EXPECT_NEAR(m.small_alloc / kMiB, 64, 64 * 0.36);
  EXPECT_NEAR(m.small_inuse / kMiB, 64, 64 * 0.36);
  EXPECT_LT(m.big_inuse / kMiB, 256 * 0.01);
}

TEST(UallocKernelTest, UnknownProcessIsAnError) {
  if (!can_run()) GTEST_SKIP() << "needs root and uprobes";
  EXPECT_THROW(UserAllocProfiler({0x7ffffff0u, kDefaultSampleBytes}, kernel_features()), Error);
}

}  // namespace
}  // namespace ksight::agent
