#include "agent/security_enrich.h"

#include <sys/stat.h>

#include <pwd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace ksight::agent {

SecurityEnricher::SecurityEnricher(CgroupReader cgroups, UserReader users, size_t max_entries,
                                   CgroupIdReader cgroup_ids)
    : cgroups_(std::move(cgroups)),
      users_(std::move(users)),
      cgroup_ids_(std::move(cgroup_ids)),
      max_entries_(max_entries) {}

// cgroup v2 ids are the inode numbers of the cgroup directories; the v2
// root is /sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts.
std::optional<uint64_t> SecurityEnricher::read_cgroup_id(const std::string& v2_path) {
  for (const char* root : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    struct stat probe {};
    if (stat((std::string(root) + "/cgroup.procs").c_str(), &probe) != 0) continue;
    struct stat st {};
    if (stat((root + v2_path).c_str(), &st) != 0) return std::nullopt;
    return static_cast<uint64_t>(st.st_ino);
  }
  return std::nullopt;
}

std::optional<std::string> SecurityEnricher::read_proc_cgroup(uint32_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> SecurityEnricher::lookup_user_name(uint32_t uid) {
  passwd pw{};
  passwd* result = nullptr;
  std::vector<char> buf(4096);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) != 0 || !result) return std::nullopt;
  return std::string(result->pw_name);
}

// One cgroup id is one cgroup: its container never changes, so the first
// process seen in it answers for all (a process that already exited leaves
// the cgroup unknown until the next one). /proc/<pid>/cgroup is read after
// the event, and a process may have moved since (runc joins the
// container's cgroup right before exec): the answer is cached only when the
// path read names the event's cgroup id, or a host cgroup would be taken
// for a container from then on.
const ContainerInfo* SecurityEnricher::container(const SecurityEventRecord& r) {
  auto it = containers_.find(r.cgroup_id);
  if (it != containers_.end()) return &it->second;
  auto content = cgroups_ ? cgroups_(r.pid) : std::nullopt;
  if (!content) return nullptr;
  ProcessCgroup cgroup = process_cgroup(*content);
  if (cgroup_ids_ && !cgroup.v2_path.empty()) {
    auto id = cgroup_ids_(cgroup.v2_path);
    if (id && *id != r.cgroup_id) {
      moved_++;
      return nullptr;  // moved since the event: unknown, not someone else's
    }
  }
  if (containers_.size() >= max_entries_) containers_.clear();
  return &containers_.emplace(r.cgroup_id, std::move(cgroup.container)).first->second;
}

const std::string& SecurityEnricher::user(uint32_t uid) {
  auto it = users_by_uid_.find(uid);
  if (it != users_by_uid_.end()) return it->second;
  if (users_by_uid_.size() >= max_entries_) users_by_uid_.clear();
  auto name = users_ ? users_(uid) : std::nullopt;
  return users_by_uid_.emplace(uid, name.value_or("")).first->second;
}

void SecurityEnricher::operator()(const SecurityEventRecord& r, rules::SecurityEvent& e) {
  if (const ContainerInfo* c = container(r)) {
    e.container_id = c->label();
    e.pod_uid = c->pod_uid;
  }
  e.proc.user = user(r.uid);
}

}  // namespace ksight::agent
