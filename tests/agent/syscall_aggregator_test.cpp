#include "agent/syscall_aggregator.h"

#include <gtest/gtest.h>

#include "agent/syscall_names.h"
#include "metrics/exposition.h"

namespace ksight::agent {
namespace {

struct AggregatorTest : ::testing::Test {
  metrics::Registry registry;
  SyscallAggregator agg{registry, [](uint32_t tgid) -> ProcessLabels {
                          if (tgid == 1) return {"nginx", "3f4e1a2b5c6d"};
                          return {"proc" + std::to_string(tgid), "host"};
                        }};
  metrics::Counter& calls =
      registry.counter("ksight_syscalls_total", "", {"syscall", "comm", "container_id"});
};

TEST_F(AggregatorTest, AddsDeltasBetweenSnapshots) {
  EXPECT_EQ(agg.apply_counts({{1, 257, 10}, {2, 0, 5}}), 15u);
  EXPECT_DOUBLE_EQ(calls.value({"openat", "nginx", "3f4e1a2b5c6d"}), 10);
  EXPECT_EQ(agg.apply_counts({{1, 257, 25}, {2, 0, 5}}), 15u);
  EXPECT_DOUBLE_EQ(calls.value({"openat", "nginx", "3f4e1a2b5c6d"}), 25);
  EXPECT_DOUBLE_EQ(calls.value({"read", "proc2", "host"}), 5);
}

TEST_F(AggregatorTest, ProcessesWithSameCommAreSummed) {
  agg.apply_counts({{2, 39, 3}, {3, 39, 4}});
  EXPECT_DOUBLE_EQ(calls.value({"getpid", "proc2", "host"}), 3);
  agg.apply_counts({{5, 39, 1}, {6, 39, 1}});
}

TEST_F(AggregatorTest, ForgottenAndRecreatedEntriesStayMonotonic) {
  agg.apply_counts({{7, 1, 100}});
  agg.forget(7);
  agg.apply_counts({{7, 1, 3}});  // entry deleted in the kernel, counting from 0 again
  EXPECT_DOUBLE_EQ(calls.value({"write", "proc7", "host"}), 103);
}

TEST_F(AggregatorTest, HeaviestValuesAreAdmittedFirstByTheGuard) {
  registry.set_max_label_values(2);
  agg.apply_counts({{10, 0, 1}, {11, 0, 500}, {12, 0, 300}});
  EXPECT_DOUBLE_EQ(calls.value({"read", "proc11", "host"}), 500);
  EXPECT_DOUBLE_EQ(calls.value({"read", "proc12", "host"}), 300);
  EXPECT_DOUBLE_EQ(calls.value({"read", "other", "host"}), 1);
}

TEST_F(AggregatorTest, HistogramMapsLog2SlotsToBuckets) {
  const uint32_t slots = 32;
  std::vector<uint64_t> hist(512 * slots, 0), sums(512, 0);
  hist[0 * slots + 3] = 2;   // read: [8,16) ns → le 256ns
  hist[0 * slots + 12] = 1;  // read: [4096,8192) ns → le 8192ns
  hist[0 * slots + 31] = 1;  // read: > 1 s → +Inf
  sums[0] = 10000;
  agg.apply_histogram(hist, sums, slots);
  auto& h = registry.histogram("ksight_syscall_duration_seconds", "", {"syscall"},
                               SyscallAggregator::bucket_bounds());
  EXPECT_EQ(h.count({"read"}), 4u);
  agg.apply_histogram(hist, sums, slots);  // no new observations
  EXPECT_EQ(h.count({"read"}), 4u);
  std::string text = registry.render();
  EXPECT_NE(text.find("ksight_syscall_duration_seconds_bucket{syscall=\"read\",le=\"2.56e-07\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("ksight_syscall_duration_seconds_bucket{syscall=\"read\",le=\"8.192e-06\"} 3"),
      std::string::npos);
  EXPECT_NE(text.find("ksight_syscall_duration_seconds_bucket{syscall=\"read\",le=\"+Inf\"} 4"),
            std::string::npos);
  EXPECT_NE(text.find("ksight_syscall_duration_seconds_sum{syscall=\"read\"} 1e-05"),
            std::string::npos);
}

TEST_F(AggregatorTest, SampledHistogramIsScaledBack) {
  const uint32_t slots = 32;
  std::vector<uint64_t> hist(512 * slots, 0), sums(512, 0);
  hist[257 * slots + 10] = 3;  // openat, 3 timed calls of 1 in 16
  sums[257] = 3000;
  agg.apply_histogram(hist, sums, slots, 16);
  auto& h = registry.histogram("ksight_syscall_duration_seconds", "", {"syscall"},
                               SyscallAggregator::bucket_bounds());
  EXPECT_EQ(h.count({"openat"}), 48u);
  EXPECT_NE(
      registry.render().find("ksight_syscall_duration_seconds_sum{syscall=\"openat\"} 4.8e-05"),
      std::string::npos);
}

TEST(SyscallNames, X86_64Table) {
  EXPECT_EQ(syscall_name(0), "read");
  EXPECT_EQ(syscall_name(59), "execve");
  EXPECT_EQ(syscall_name(257), "openat");
  EXPECT_EQ(syscall_name(110), "getppid");
  EXPECT_EQ(syscall_name(437), "openat2");
  EXPECT_EQ(syscall_name(451), "cachestat");
  EXPECT_EQ(syscall_name(462), "mseal");
  EXPECT_EQ(syscall_name(511), "syscall_511");
  EXPECT_EQ(syscall_number("openat"), 257u);
  EXPECT_FALSE(syscall_number("nope"));
}

}  // namespace
}  // namespace ksight::agent
