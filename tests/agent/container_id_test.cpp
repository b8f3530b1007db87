#include "agent/container_id.h"

#include <gtest/gtest.h>

namespace ksight::agent {
namespace {

const std::string kId = "3f4e1a2b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";
const std::string kPod = "0f4c2d9a-7b1e-4c3a-9d8e-1a2b3c4d5e6f";
const std::string kPodUnderscores = "0f4c2d9a_7b1e_4c3a_9d8e_1a2b3c4d5e6f";

struct Case {
  const char* name;
  std::string path;
  std::string id;
  std::string runtime;
  std::string pod_uid;
  std::string unit;
};

class ParseContainer : public ::testing::TestWithParam<Case> {};

TEST_P(ParseContainer, Shape) {
  const Case& c = GetParam();
  ContainerInfo info = parse_container(c.path);
  EXPECT_EQ(info.id, c.id) << c.path;
  EXPECT_EQ(info.runtime, c.runtime) << c.path;
  EXPECT_EQ(info.pod_uid, c.pod_uid) << c.path;
  if (!c.unit.empty()) {
    EXPECT_EQ(info.systemd_unit, c.unit) << c.path;
  }
}

// Real shapes, as /proc/<pid>/cgroup shows them on nodes.
INSTANTIATE_TEST_SUITE_P(
    RealPaths, ParseContainer,
    ::testing::Values(
        Case{"docker_cgroupfs", "/docker/" + kId, kId, "docker", "", ""},
        Case{"docker_systemd", "/system.slice/docker-" + kId + ".scope", kId, "docker", "",
             "docker-" + kId + ".scope"},
        Case{"k8s_cgroupfs_burstable", "/kubepods/burstable/pod" + kPod + "/" + kId, kId, "cri",
             kPod, ""},
        Case{"k8s_cgroupfs_guaranteed", "/kubepods/pod" + kPod + "/" + kId, kId, "cri", kPod, ""},
        Case{"k8s_systemd_containerd",
             "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kPodUnderscores +
                 ".slice/cri-containerd-" + kId + ".scope",
             kId, "containerd", kPod, ""},
        Case{"k8s_systemd_crio",
             "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kPodUnderscores +
                 ".slice/crio-" + kId + ".scope",
             kId, "cri-o", kPod, ""},
        Case{"k8s_systemd_guaranteed",
             "/kubepods.slice/kubepods-pod" + kPodUnderscores + ".slice/cri-containerd-" + kId +
                 ".scope",
             kId, "containerd", kPod, ""},
        Case{"crio_conmon_is_not_a_container",
             "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kPodUnderscores +
                 ".slice/crio-conmon-" + kId + ".scope",
             "", "", "", ""},
        Case{"kind_nested",
             "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
             "kubelet-kubepods-besteffort-pod" +
                 kPodUnderscores + ".slice/cri-containerd-" + kId + ".scope",
             kId, "containerd", kPod, ""},
        Case{"podman_root", "/machine.slice/libpod-" + kId + ".scope", kId, "podman", "", ""},
        Case{"podman_rootless_inner",
             "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kId +
                 ".scope/container",
             kId, "podman", "", ""},
        Case{"podman_conmon", "/machine.slice/libpod-conmon-" + kId + ".scope", "", "", "", ""},
        Case{"podman_cgroupfs", "/libpod_parent/libpod-" + kId, kId, "podman", "", ""},
        Case{"ecs", "/ecs/5a2c9b8e7f6d4c3b/" + kId, kId, "unknown", "", ""},
        Case{"nerdctl_namespace", "/default/" + kId, kId, "unknown", "", ""},
        Case{"lxc", "/lxc/web01", "web01", "lxc", "", ""},
        Case{"lxc_payload", "/lxc.payload.web01", "web01", "lxc", "", ""},
        Case{"host_service", "/system.slice/nginx.service", "", "", "", "nginx.service"},
        Case{"host_user_session", "/user.slice/user-1000.slice/session-3.scope", "", "", "", ""},
        Case{"host_root", "/", "", "", "", ""},
        Case{"pod_slice_without_container",
             "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kPodUnderscores +
                 ".slice",
             "", "", "", ""},
        Case{"short_hex_is_not_an_id", "/docker/abc123", "", "", "", ""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ContainerInfo, LabelIsShortIdOrHost) {
  EXPECT_EQ(parse_container("/docker/" + kId).label(), kId.substr(0, 12));
  EXPECT_EQ(parse_container("/").label(), "host");
}

TEST(ProcessCgroup, UnifiedV2) {
  auto cg = process_cgroup("0::/system.slice/docker-" + kId + ".scope\n");
  EXPECT_EQ(cg.v2_path, "/system.slice/docker-" + kId + ".scope");
  EXPECT_EQ(cg.container.id, kId);
}

TEST(ProcessCgroup, PureV1TakesSystemdOrCpuHierarchy) {
  std::string file = "12:pids:/docker/" + kId + "\n11:cpu,cpuacct:/docker/" + kId +
                     "\n10:memory:/docker/" + kId + "\n1:name=systemd:/docker/" + kId + "\n";
  auto cg = process_cgroup(file);
  EXPECT_EQ(cg.v2_path, "");
  EXPECT_EQ(cg.container.id, kId);
  EXPECT_EQ(cg.container.runtime, "docker");
}

TEST(ProcessCgroup, HybridWithRootV2LineFallsBackToV1) {
  // This machine's layout: v2 mounted at /sys/fs/cgroup/unified, "0::/".
  std::string file = "9:name=systemd:/kubepods/besteffort/pod" + kPod + "/" + kId +
                     "\n4:memory:/kubepods/besteffort/pod" + kPod + "/" + kId + "\n0::/\n";
  auto cg = process_cgroup(file);
  EXPECT_EQ(cg.v2_path, "/");
  EXPECT_EQ(cg.container.id, kId);
  EXPECT_EQ(cg.container.pod_uid, kPod);
}

TEST(ProcessCgroup, HostProcessKeepsSystemdUnit) {
  auto cg = process_cgroup("0::/system.slice/sshd.service\n");
  EXPECT_FALSE(cg.container.in_container());
  EXPECT_EQ(cg.container.systemd_unit, "sshd.service");
  EXPECT_EQ(cg.container.label(), "host");
}

TEST(ProcessCgroup, MalformedLinesAreSkipped) {
  auto lines = parse_cgroup_file("garbage\nx:y:z\n0::/ok\n\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].path, "/ok");
}

}  // namespace
}  // namespace ksight::agent
