// Falco fields that ksight's events do not carry. They are in a table so a
// Falco rule file resolves every field it names: a comparison on one of
// them is false, as in Falco when the value is missing (fold_unavailable()
// in passes.h turns that into a constant, so a rule that cannot match
// without the field is skipped with a warning and one that only uses it in
// an exclusion still loads). In outputs they print <NA>.
#include "rules/field_helpers.h"

namespace ksight::rules {

namespace {

bool never(EvalContext&, const FieldArg&, FieldValue&) {
  return false;
}

constexpr FieldInfo gone(std::string_view name, FieldType type, std::string_view why,
                         FieldArgKind arg = FieldArgKind::kNone) {
  return FieldInfo{name, type, arg, why, never, false, false};
}

constexpr std::string_view kNoRuntime =
    "Container runtime metadata: ksight knows a container by its cgroup id only.";
constexpr std::string_view kNoK8s = "Kubernetes metadata: ksight knows the pod UID only.";
constexpr std::string_view kNoDns = "Host names of IPs: ksight does not resolve addresses.";
constexpr std::string_view kNoNs = "Namespace-relative ids: the kernel record carries host ids.";
constexpr std::string_view kNoLogin = "User database details beyond user.name.";

using T = FieldType;
using A = FieldArgKind;

const FieldInfo kUnavailableFields[] = {
    gone("evt.buffer", T::kString, "I/O buffers (read, write, send, recv): not captured."),
    gone("proc.vpid", T::kInt, kNoNs),
    gone("proc.pvpid", T::kInt, kNoNs),
    gone("thread.vtid", T::kInt, kNoNs),
    gone("proc.sid", T::kInt, "Session ids: not captured."),
    gone("proc.sname", T::kString, "Session leader name: not captured."),
    gone("proc.vpgid", T::kInt, "Process groups: not captured."),
    gone("proc.vpgid.name", T::kString, "Process groups: not captured."),
    gone("proc.vpgid.exe", T::kString, "Process groups: not captured."),
    gone("proc.vpgid.exepath", T::kString, "Process groups: not captured."),
    gone("proc.is_vpgid_leader", T::kBool, "Process groups: not captured."),
    gone("proc.is_sid_leader", T::kBool, "Session ids: not captured."),
    gone("proc.env", T::kString, "Environment variables: not captured.", A::kKey),
    gone("proc.apid", T::kInt, "Ancestor pids: only names and paths are kept.", A::kIndex),
    gone("proc.aexe", T::kString, "Ancestor argv[0]: only names and paths are kept.", A::kIndex),
    gone("proc.acmdline", T::kString, "Ancestor command lines beyond the parent's.", A::kIndex),
    gone("proc.ppid.duration", T::kInt, "Parent start time: not kept."),
    gone("proc.is_exe_upper_layer", T::kBool, "Overlayfs layer of the executable: not read."),
    gone("proc.is_exe_writable", T::kBool, "Executable permissions: not read."),
    gone("proc.exe_ino", T::kInt, "Executable inode: not read."),
    gone("proc.exe_ino.ctime", T::kInt, "Executable inode times: not read."),
    gone("proc.exe_ino.mtime", T::kInt, "Executable inode times: not read."),
    gone("proc.exe_ino.ctime_duration_proc_start", T::kInt, "Executable inode times: not read."),
    gone("thread.cap_permitted", T::kString, "Only the effective capability set is captured."),
    gone("thread.cap_inheritable", T::kString, "Only the effective capability set is captured."),
    gone("user.loginname", T::kString, kNoLogin),
    gone("user.homedir", T::kString, kNoLogin),
    gone("user.shell", T::kString, kNoLogin),
    gone("group.name", T::kString, "Group names: not looked up."),
    gone("fd.name_changed", T::kBool, "Socket names of sendto/recvfrom: not captured."),
    gone("fd.types", T::kString, "Other fds of the process: not tracked.", A::kIndex),
    gone("fd.cip.name", T::kString, kNoDns),
    gone("fd.sip.name", T::kString, kNoDns),
    gone("fd.lip.name", T::kString, kNoDns),
    gone("fd.rip.name", T::kString, kNoDns),
    gone("container.full_id", T::kString, kNoRuntime),
    gone("container.name", T::kString, kNoRuntime),
    gone("container.type", T::kString, kNoRuntime),
    gone("container.image", T::kString, kNoRuntime),
    gone("container.image.id", T::kString, kNoRuntime),
    gone("container.image.repository", T::kString, kNoRuntime),
    gone("container.image.tag", T::kString, kNoRuntime),
    gone("container.image.digest", T::kString, kNoRuntime),
    gone("container.privileged", T::kBool, kNoRuntime),
    gone("container.mounts", T::kString, kNoRuntime),
    gone("container.mount", T::kString, kNoRuntime, A::kKey),
    gone("container.mount.source", T::kString, kNoRuntime, A::kKey),
    gone("container.mount.dest", T::kString, kNoRuntime, A::kKey),
    gone("container.mount.mode", T::kString, kNoRuntime, A::kKey),
    gone("container.mount.rdwr", T::kString, kNoRuntime, A::kKey),
    gone("container.mount.propagation", T::kString, kNoRuntime, A::kKey),
    gone("container.start_ts", T::kInt, kNoRuntime),
    gone("container.duration", T::kInt, kNoRuntime),
    gone("container.ip", T::kString, kNoRuntime),
    gone("container.cni.json", T::kString, kNoRuntime),
    gone("container.healthcheck", T::kString, kNoRuntime),
    gone("container.liveness_probe", T::kString, kNoRuntime),
    gone("container.readiness_probe", T::kString, kNoRuntime),
    gone("k8s.ns.name", T::kString, kNoK8s),
    gone("k8s.pod.name", T::kString, kNoK8s),
    gone("k8s.pod.label", T::kString, kNoK8s, A::kKey),
    gone("k8s.pod.labels", T::kString, kNoK8s),
    gone("k8s.pod.ip", T::kString, kNoK8s),
    gone("k8s.pod.cni.json", T::kString, kNoK8s),
    gone("k8s.pod.sandbox_id", T::kString, kNoK8s),
    gone("k8s.deployment.name", T::kString, kNoK8s),
    gone("k8s.rc.name", T::kString, kNoK8s),
    gone("k8s.rs.name", T::kString, kNoK8s),
    gone("k8s.svc.name", T::kString, kNoK8s),
};

}  // namespace

std::span<const FieldInfo> unavailable_fields() {
  return kUnavailableFields;
}

}  // namespace ksight::rules
