// Which processes the agent's user allocation profiler attaches to and
// forgets (src/agent/ualloc_targets.h), without uprobes.
#include "agent/ualloc_targets.h"

#include <gtest/gtest.h>

#include "common/string_list.h"

namespace ksight::agent {
namespace {

std::vector<uint32_t> pids_of(const std::vector<UallocCandidate>& cs) {
  std::vector<uint32_t> out;
  for (const auto& c : cs) out.push_back(c.pid);
  return out;
}

TEST(UallocTargets, ListsSplitAndTrim) {
  EXPECT_EQ(split_list(" nginx, ,redis-server ,"),
            (std::vector<std::string>{"nginx", "redis-server"}));
  EXPECT_TRUE(split_list("").empty());
  auto o = parse_ualloc_targets("a,b", " 7, 9", 3);
  EXPECT_EQ(o.comms, (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(o.pids, (std::set<uint32_t>{7, 9}));
  EXPECT_EQ(o.max_processes, 3u);
}

TEST(UallocTargets, AttachesMatchesOnceIncludingLateStarters) {
  UallocTargets t(parse_ualloc_targets("app", "99", 64));
  std::vector<UallocCandidate> live = {{10, 1, "app"}, {11, 1, "bash"}, {99, 5, "db"}};
  auto first = t.to_attach(live);
  EXPECT_EQ(pids_of(first), (std::vector<uint32_t>{10, 99}));
  for (const auto& c : first) t.attached(c);
  EXPECT_TRUE(t.to_attach(live).empty()) << "attached ones are not offered again";
  live.push_back({12, 2, "app"});  // started after the agent
  EXPECT_EQ(pids_of(t.to_attach(live)), std::vector<uint32_t>{12});
  EXPECT_EQ(t.stats().attached, 2u);
}

TEST(UallocTargets, FailedAttachIsNotRetriedForThatIncarnation) {
  UallocTargets t(parse_ualloc_targets("static", "", 64));
  UallocCandidate c{20, 100, "static"};
  ASSERT_EQ(t.to_attach({c}).size(), 1u);
  t.failed(c);
  EXPECT_TRUE(t.to_attach({c}).empty());
  EXPECT_EQ(t.stats().failures, 1u);
  // The pid exits and comes back as a new process: tried again.
  EXPECT_TRUE(t.exited({20}).empty()) << "it was never attached";
  EXPECT_EQ(t.to_attach({c}).size(), 1u);
}

TEST(UallocTargets, ExitDetachesAndForgets) {
  UallocTargets t(parse_ualloc_targets("app", "", 64));
  UallocCandidate a{30, 1, "app"}, b{31, 1, "app"};
  for (const auto& c : t.to_attach({a, b})) t.attached(c);
  EXPECT_EQ(t.exited({30, 555}), std::vector<uint32_t>{30});
  EXPECT_EQ(t.exited({30}), std::vector<uint32_t>{}) << "reported twice (exit, then eviction)";
  EXPECT_EQ(t.stats().attached, 1u);
  EXPECT_EQ(t.stats().attaches, 2u);
}

TEST(UallocTargets, MaxProcessesSkipsAndCountsOnceThenAttachesWhenRoomAppears) {
  UallocTargets t(parse_ualloc_targets("w", "", 2));
  std::vector<UallocCandidate> live = {{1, 1, "w"}, {2, 1, "w"}, {3, 1, "w"}};
  auto first = t.to_attach(live);
  EXPECT_EQ(pids_of(first), (std::vector<uint32_t>{1, 2}));
  for (const auto& c : first) t.attached(c);
  EXPECT_TRUE(t.to_attach(live).empty());
  EXPECT_EQ(t.stats().over_limit, 1u) << "counted once, not per collect";
  t.exited({1});
  live.erase(live.begin());
  EXPECT_EQ(pids_of(t.to_attach(live)), std::vector<uint32_t>{3});
  EXPECT_EQ(t.stats().over_limit, 1u);
}

// A long-running agent under process churn: the state stays bounded by
// the live matching processes.
TEST(UallocTargets, ChurnLeavesNoState) {
  UallocTargets t(parse_ualloc_targets("short", "", 4));
  for (uint32_t pid = 1000; pid < 21000; ++pid) {
    UallocCandidate c{pid, pid, "short"};
    for (const auto& a : t.to_attach({c})) {
      if (pid % 3) {
        t.attached(a);
      } else {
        t.failed(a);
      }
    }
    t.exited({pid});
  }
  EXPECT_EQ(t.stats().attached, 0u);
  // Every trace of the exited pids is gone: the same pids are offered again.
  EXPECT_EQ(t.to_attach({{1000, 1000, "short"}, {1002, 1002, "short"}}).size(), 2u);
}

}  // namespace
}  // namespace ksight::agent
