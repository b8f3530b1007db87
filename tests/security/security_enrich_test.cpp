#include "agent/security_enrich.h"

#include <gtest/gtest.h>

namespace ksight::agent {
namespace {

TEST(SecurityEnrich, ContainerOncePerCgroupAndUserNames) {
  int cgroup_reads = 0, user_reads = 0;
  SecurityEnricher enrich(
      [&](uint32_t pid) -> std::optional<std::string> {
        cgroup_reads++;
        if (pid == 1) return "0::/init.scope\n";
        if (pid == 2)
          return "0::/kubepods.slice/kubepods-besteffort.slice/"
                 "kubepods-besteffort-pod1b2c3d4e_0000_1111_2222_333344445555.slice/"
                 "cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                 ".scope\n";
        return std::nullopt;
      },
      [&](uint32_t uid) -> std::optional<std::string> {
        user_reads++;
        if (uid == 0) return "root";
        return std::nullopt;
      });
  SecurityEventRecord host;
  host.pid = 1;
  host.cgroup_id = 10;
  rules::SecurityEvent e;
  enrich(host, e);
  EXPECT_EQ(e.container_id, "host");
  EXPECT_EQ(e.proc.user, "root");

  SecurityEventRecord pod;
  pod.pid = 2;
  pod.uid = 1000;
  pod.cgroup_id = 20;
  rules::SecurityEvent p;
  enrich(pod, p);
  EXPECT_EQ(p.container_id, "0123456789ab");
  EXPECT_EQ(p.pod_uid, "1b2c3d4e-0000-1111-2222-333344445555");
  EXPECT_EQ(p.proc.user, "");

  // Same cgroup, another (already gone) pid: answered from the cache.
  pod.pid = 3;
  rules::SecurityEvent q;
  enrich(pod, q);
  EXPECT_EQ(q.container_id, "0123456789ab");
  EXPECT_EQ(cgroup_reads, 2);
  EXPECT_EQ(user_reads, 2);
}

}  // namespace
}  // namespace ksight::agent

namespace ksight::agent {
namespace {

// A process read after it joined a container's cgroup must not teach the
// enricher that its old (host) cgroup id is that container.
TEST(SecurityEnrich, ProcessThatMovedCgroupsIsNotCached) {
  std::string where = "0::/\n";
  SecurityEnricher enrich(
      [&](uint32_t) -> std::optional<std::string> { return where; },
      [](uint32_t) -> std::optional<std::string> { return "root"; }, 16,
      [](const std::string& path) -> std::optional<uint64_t> { return path == "/" ? 1 : 77; });
  SecurityEventRecord before_move;
  before_move.pid = 5;
  before_move.cgroup_id = 1;  // the event happened in the root cgroup...
  where = "0::/docker/4b5e1d2c3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b1a2f3e4d5c6b7a8f9e0d\n";
  rules::SecurityEvent e;
  enrich(before_move, e);  // ...but /proc says the container by now
  EXPECT_EQ(e.container_id, "host");
  EXPECT_EQ(enrich.moved(), 1u);
  SecurityEventRecord in_container = before_move;
  in_container.cgroup_id = 77;
  rules::SecurityEvent c;
  enrich(in_container, c);
  EXPECT_EQ(c.container_id, "4b5e1d2c3a4f");
  where = "0::/\n";  // a later root-cgroup process resolves as the host
  rules::SecurityEvent h;
  enrich(before_move, h);
  EXPECT_EQ(h.container_id, "host");
}

}  // namespace
}  // namespace ksight::agent
