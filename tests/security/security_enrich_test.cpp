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
