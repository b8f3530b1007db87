// Kernel tier, throughput: exec/open storms through the real source, with
// the rate the feed carried and the proof that nothing was lost. The rates
// are printed and recorded as test properties (they vary between runs and
// machines; only zero loss is asserted).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "common/error.h"
#include "security_harness.h"

namespace ksight::agent {
namespace {

using Clock = std::chrono::steady_clock;

struct StormResult {
  uint64_t events = 0;
  double seconds = 0;
  SecurityLost lost;
  double rate() const { return seconds > 0 ? events / seconds : 0; }
};

StormResult run_storm(testing::SecurityHarness& h, const std::string& action, long n,
                      uint64_t expected) {
  SecurityLost before = h.stats().lost;
  auto t0 = Clock::now();
  pid_t pid = h.spawn({action, std::to_string(n)}, nullptr, /*count=*/true);
  h.finish(pid);
  StormResult result;
  result.events = h.wait_counted(expected, std::chrono::seconds(60));
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  SecurityLost after = h.stats().lost;
  result.lost.ringbuf_full = after.ringbuf_full - before.ringbuf_full;
  result.lost.exec_pending_full = after.exec_pending_full - before.exec_pending_full;
  return result;
}

// Parameter: the ring buffer wakeup threshold (0 = wake on every record).
class SecurityStorm : public ::testing::TestWithParam<uint64_t> {
 protected:
  static SecuritySourceOptions options() {
    SecuritySourceOptions o;
    o.wakeup_bytes = GetParam();
    return o;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "kernel tier needs root";
    try {
      harness_.start();
    } catch (const Error& e) {
      GTEST_SKIP() << "security source did not start: " << e.what();
    }
  }
  void report(const char* name, const StormResult& r) {
    printf(
        "%s (wakeup_bytes=%llu): %llu events in %.3f s = %.0f events/s, lost ringbuf=%llu "
        "exec=%llu\n",
        name, static_cast<unsigned long long>(GetParam()),
        static_cast<unsigned long long>(r.events), r.seconds, r.rate(),
        static_cast<unsigned long long>(r.lost.ringbuf_full),
        static_cast<unsigned long long>(r.lost.exec_pending_full));
    RecordProperty("events", std::to_string(r.events));
    RecordProperty("events_per_second", std::to_string(static_cast<uint64_t>(r.rate())));
  }
  testing::SecurityHarness harness_{options()};
};

TEST_P(SecurityStorm, OpenStormCarriedWithZeroLoss) {
  const long n = 300000;
  StormResult r = run_storm(harness_, "storm-open", n, n);
  report("open storm", r);
  EXPECT_GE(r.events, uint64_t(n));
  EXPECT_EQ(r.lost.ringbuf_full, 0u);
}

TEST_P(SecurityStorm, ExecStormCarriedWithZeroLoss) {
  // Per iteration: the child's execve and its exit, plus the opens of the
  // dynamic loader (at least 2: ld.so.cache, libc).
  const long n = 3000;
  StormResult r = run_storm(harness_, "storm-exec", n, n * 4);
  report("exec storm", r);
  EXPECT_GE(r.events, uint64_t(n * 4));
  EXPECT_EQ(r.lost.ringbuf_full, 0u);
  EXPECT_EQ(r.lost.exec_pending_full, 0u);
}

INSTANTIATE_TEST_SUITE_P(Wakeup, SecurityStorm, ::testing::Values(0, 256 * 1024),
                         [](const auto& info) { return info.param ? "Batched" : "EveryRecord"; });

}  // namespace
}  // namespace ksight::agent
