#include "agent/process_table.h"

#include <gtest/gtest.h>

#include "fake_proc.h"

namespace ksight::agent {
namespace {

using testing::FakeProcess;
using testing::FakeProcReader;
using namespace std::chrono_literals;

const std::string kId = "3f4e1a2b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";

struct TableTest : ::testing::Test {
  FakeProcReader proc;
  std::chrono::steady_clock::time_point now{std::chrono::seconds(1000)};
  ProcessTable table{proc, {100, 30s}, [this] { return now; }};

  ProcessEvent event(ProcessEventType type, uint32_t pid, uint64_t start_ticks) {
    ProcessEvent e;
    e.type = type;
    e.pid = pid;
    e.tid = pid;
    e.start_boottime_ns = start_ticks * 10000000ull;  // USER_HZ 100
    e.comm = "child";
    return e;
  }
};

TEST_F(TableTest, SeedsFromProc) {
  proc.procs[1] = FakeProcess{"systemd",
                              0,
                              1,
                              0,
                              0,
                              std::string("/sbin/init\0splash\0", 18),
                              "/usr/lib/systemd/systemd",
                              "0::/init.scope\n"};
  proc.procs[42] = FakeProcess{"nginx",
                               1,
                               500,
                               33,
                               33,
                               std::string("nginx\0-g\0", 9),
                               "/usr/sbin/nginx",
                               "0::/system.slice/docker-" + kId + ".scope\n"};
  EXPECT_EQ(table.seed(), 2u);
  auto p = table.lookup(42);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->comm, "nginx");
  EXPECT_EQ(p->ppid, 1u);
  EXPECT_EQ(p->uid, 33u);
  EXPECT_EQ(p->cmdline, "nginx -g");
  EXPECT_EQ(p->exe, "/usr/sbin/nginx");
  EXPECT_EQ(p->container.id, kId);
  EXPECT_EQ(p->start_ticks, 500u);
  EXPECT_EQ(table.lookup(1)->cmdline, "/sbin/init splash");
}

TEST_F(TableTest, ForkInheritsParentImageAndContainer) {
  proc.procs[10] = FakeProcess{
      "bash", 1, 50, 0, 0, std::string("bash\0", 5), "/bin/bash", "0::/docker/" + kId + "\n"};
  table.seed();
  auto e = event(ProcessEventType::kFork, 11, 60);
  e.ppid = 10;
  table.apply(e);
  auto child = table.lookup(11);
  ASSERT_TRUE(child);
  EXPECT_EQ(child->exe, "/bin/bash");
  EXPECT_EQ(child->container.id, kId);
  EXPECT_EQ(child->start_ticks, 60u);
}

TEST_F(TableTest, ExecRefreshesFromProcFallingBackToFilename) {
  table.apply(event(ProcessEventType::kFork, 20, 70));
  auto exec = event(ProcessEventType::kExec, 20, 70);
  exec.comm = "ls";
  exec.filename = "/bin/ls";
  table.apply(exec);  // the process is already gone from /proc: keep what the event says
  auto p = table.lookup(20);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->comm, "ls");
  EXPECT_EQ(p->exe, "/bin/ls");
  EXPECT_EQ(p->cmdline, "/bin/ls");
}

TEST_F(TableTest, ExitedProcessesStayForGraceThenEvict) {
  table.apply(event(ProcessEventType::kFork, 30, 80));
  table.apply(event(ProcessEventType::kExit, 30, 80));
  now += 10s;
  EXPECT_TRUE(table.evict().empty());
  auto p = table.lookup(30);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->exited);
  now += 25s;
  auto gone = table.evict();
  EXPECT_EQ(gone, std::vector<uint32_t>{30});
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.stats().evicted_exited, 1u);
}

TEST_F(TableTest, ForEachLiveSkipsExitedProcesses) {
  table.apply(event(ProcessEventType::kFork, 30, 80));
  table.apply(event(ProcessEventType::kFork, 31, 81));
  table.apply(event(ProcessEventType::kExit, 30, 80));
  std::vector<std::pair<uint32_t, uint64_t>> live;
  table.for_each_live([&](const ProcessInfo& p) { live.emplace_back(p.pid, p.start_ticks); });
  EXPECT_EQ(live, (std::vector<std::pair<uint32_t, uint64_t>>{{31, 81}}));
}

TEST_F(TableTest, PidReuseKeepsIncarnationsApart) {
  table.apply(event(ProcessEventType::kFork, 40, 90));
  auto exec = event(ProcessEventType::kExec, 40, 90);
  exec.comm = "old";
  table.apply(exec);
  // Exit of the first incarnation was lost; the pid comes back later.
  auto reborn = event(ProcessEventType::kFork, 40, 5000);
  reborn.comm = "new";
  table.apply(reborn);
  EXPECT_EQ(table.lookup(40)->comm, "new");
  auto old = table.lookup(40, 90);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->comm, "old");
  EXPECT_TRUE(old->exited);
  // Evicting the old incarnation does not report the pid as gone.
  now += 31s;
  EXPECT_TRUE(table.evict().empty());
  EXPECT_FALSE(table.lookup(40, 90));
  EXPECT_TRUE(table.lookup(40, 5000));
}

TEST_F(TableTest, FloodOfShortLivedProcessesStaysBounded) {
  for (uint32_t pid = 1000; pid < 1500; ++pid) {
    table.apply(event(ProcessEventType::kFork, pid, pid));
    table.apply(event(ProcessEventType::kExit, pid, pid));
  }
  table.evict();
  EXPECT_LE(table.size(), 100u);
  EXPECT_EQ(table.stats().evicted_capacity, 400u);
}

TEST_F(TableTest, LiveOverflowEvictsOldestStarted) {
  for (uint32_t pid = 1; pid <= 150; ++pid) table.apply(event(ProcessEventType::kFork, pid, pid));
  table.evict();
  EXPECT_EQ(table.size(), 100u);
  EXPECT_FALSE(table.lookup(1, 1));
  EXPECT_TRUE(table.lookup(150, 150));
}

TEST_F(TableTest, LookupMissReadsProcOnceAndRacesAreHarmless) {
  proc.procs[77] = FakeProcess{"late", 1, 700};
  auto p = table.lookup(77);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->comm, "late");
  int reads = proc.reads;
  table.lookup(77);
  EXPECT_EQ(proc.reads, reads);    // cached
  EXPECT_FALSE(table.lookup(78));  // vanished before we looked
  EXPECT_EQ(table.stats().proc_misses, 1u);
}

TEST(ProcParsers, StatWithParensInComm) {
  auto s = parse_stat("123 (a) b) c) S 7 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->comm, "a) b) c");
  EXPECT_EQ(s->ppid, 7u);
  EXPECT_EQ(s->start_ticks, 4242u);
  EXPECT_FALSE(parse_stat("123 (x) S 1"));
  EXPECT_FALSE(parse_stat(""));
}

TEST(ProcParsers, StatusIdsAndCmdline) {
  auto ids = parse_status_ids("Name:\tx\nUid:\t1000\t1000\t1000\t1000\nGid:\t50\t50\t50\t50\n");
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->uid, 1000u);
  EXPECT_EQ(ids->gid, 50u);
  EXPECT_FALSE(parse_status_ids("Name:\tx\n"));
  EXPECT_EQ(parse_cmdline(std::string("a\0b c\0\0", 7)), "a b c");
  EXPECT_EQ(boottime_ns_to_ticks(1234567890123), 123456u);
}

TEST(LinuxProcReader, ReadsOwnProcess) {
  LinuxProcReader proc;
  uint32_t self = static_cast<uint32_t>(getpid());
  auto pids = proc.list_pids();
  EXPECT_NE(std::find(pids.begin(), pids.end(), self), pids.end());
  auto stat = parse_stat(proc.read(self, "stat").value());
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->ppid, static_cast<uint32_t>(getppid()));
  EXPECT_TRUE(proc.exe(self));
  EXPECT_FALSE(proc.read(0x7ffffff0, "stat"));
}

}  // namespace
}  // namespace ksight::agent
