#pragma once
// Container metadata from cgroup paths, with no runtime or API-server calls:
// every container runtime puts its containers in cgroups named after the
// container id, and the kubelet names pod cgroups after the pod uid. Covered
// shapes (v1 and v2, cgroupfs and systemd drivers):
//   /docker/<id>                                   docker, cgroupfs driver
//   /system.slice/docker-<id>.scope                docker, systemd driver
//   /kubepods/burstable/pod<uid>/<id>              kubelet cgroupfs (containerd, cri-o)
//   /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<u_i_d>.slice/
//       cri-containerd-<id>.scope | crio-<id>.scope   kubelet systemd driver
//   /machine.slice/libpod-<id>.scope[/container]   podman (root and rootless)
//   /libpod_parent/libpod-<id>                     podman, cgroupfs
//   /ecs/<task>/<id>, /actions_job/<id>, /<ns>/<id> other runtimes: any 64-hex segment
//   /lxc/<name>, /lxc.payload.<name>               LXC
//   /system.slice/nginx.service                    host process of a systemd unit
// Conmon helper scopes (crio-conmon-, libpod-conmon-) are not containers.
#include <string>
#include <string_view>
#include <vector>

namespace ksight::agent {

struct ContainerInfo {
  std::string id;       // full id (usually 64 hex); empty on the host
  std::string runtime;  // docker, containerd, cri-o, podman, cri, lxc, unknown; empty on the host
  std::string pod_uid;  // Kubernetes pod uid with dashes, when the path shows it
  std::string container_name;  // not derivable from cgroup paths: left empty for now
  std::string systemd_unit;    // e.g. "nginx.service", "docker-<id>.scope"

  bool in_container() const { return !id.empty(); }
  // The label value used in metrics: the 12-character short id, or "host".
  std::string label() const;
};

// Container info from one cgroup path ("/kubepods/...").
ContainerInfo parse_container(std::string_view cgroup_path);

// One line of /proc/<pid>/cgroup: "hierarchy-id:controllers:path".
struct CgroupLine {
  int hierarchy = 0;
  std::string controllers;  // "" for the v2 line, "cpu,cpuacct", "name=systemd"...
  std::string path;
};
std::vector<CgroupLine> parse_cgroup_file(std::string_view content);

struct ProcessCgroup {
  std::string v2_path;  // path of the "0::" line, empty on pure v1
  ContainerInfo container;
};

// The container of a process from its /proc/<pid>/cgroup, whatever the
// layout: the v2 line first (unified), then name=systemd, then cpu/memory/
// pids/others (v1 or hybrid, where the v2 line is often just "/").
ProcessCgroup process_cgroup(std::string_view cgroup_file_content);

}  // namespace ksight::agent
