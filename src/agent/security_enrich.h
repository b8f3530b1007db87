#pragma once
// What a security event needs beyond the kernel record and the process
// context: the container (from the task's cgroup, parsed once per cgroup
// id) and the user name (once per uid). Both caches are bounded.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "agent/container_id.h"
#include "agent/security_events.h"
#include "rules/event.h"

namespace ksight::agent {

class SecurityEnricher {
 public:
  // Seams: /proc/<pid>/cgroup contents and uid -> name (nullopt = unknown).
  using CgroupReader = std::function<std::optional<std::string>(uint32_t pid)>;
  using UserReader = std::function<std::optional<std::string>(uint32_t uid)>;
  // The id (inode) of a cgroup v2 directory given its path ("/docker/<id>");
  // nullopt when it cannot be read.
  using CgroupIdReader = std::function<std::optional<uint64_t>(const std::string& v2_path)>;
  SecurityEnricher(CgroupReader cgroups = read_proc_cgroup, UserReader users = lookup_user_name,
                   size_t max_entries = 16384, CgroupIdReader cgroup_ids = read_cgroup_id);

  void operator()(const SecurityEventRecord& record, rules::SecurityEvent& event);

  static std::optional<std::string> read_proc_cgroup(uint32_t pid);
  static std::optional<std::string> lookup_user_name(uint32_t uid);
  static std::optional<uint64_t> read_cgroup_id(const std::string& v2_path);
  // Events whose process had changed cgroups by the time it was looked up.
  uint64_t moved() const { return moved_; }

 private:
  const ContainerInfo* container(const SecurityEventRecord& r);
  const std::string& user(uint32_t uid);
  CgroupReader cgroups_;
  UserReader users_;
  CgroupIdReader cgroup_ids_;
  uint64_t moved_ = 0;
  size_t max_entries_;
  std::unordered_map<uint64_t, ContainerInfo> containers_;  // by cgroup id
  std::unordered_map<uint32_t, std::string> users_by_uid_;
};

}  // namespace ksight::agent
