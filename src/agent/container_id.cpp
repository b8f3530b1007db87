#include "agent/container_id.h"

#include <algorithm>
#include <cctype>

namespace ksight::agent {

namespace {

bool is_hex_id(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    if (next > pos) parts.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return parts;
}

struct Prefix {
  std::string_view prefix;
  std::string_view runtime;
};

// Scope-name prefixes of runtimes using the systemd cgroup driver.
constexpr Prefix kScopePrefixes[] = {
    {"docker-", "docker"}, {"cri-containerd-", "containerd"}, {"crio-", "cri-o"},
    {"libpod-", "podman"}, {"containerd-", "containerd"},
};

// "pod<uid>" (cgroupfs) or "kubepods-<qos>-pod<u_i_d>.slice" (systemd).
std::string pod_uid_of(std::string_view segment) {
  if (ends_with(segment, ".slice")) segment.remove_suffix(6);
  size_t pos = segment.rfind("pod");
  if (pos == std::string_view::npos) return {};
  if (pos != 0 && segment[pos - 1] != '-') return {};
  std::string uid(segment.substr(pos + 3));
  std::replace(uid.begin(), uid.end(), '_', '-');
  bool uuid_like = uid.size() == 36 && std::count(uid.begin(), uid.end(), '-') == 4;
  return uuid_like ? uid : std::string{};
}

std::string runtime_from_ancestors(const std::vector<std::string_view>& parts, size_t upto) {
  for (size_t i = 0; i < upto; ++i) {
    if (parts[i] == "docker") return "docker";
    if (starts_with(parts[i], "kubepods")) return "cri";
    if (parts[i] == "libpod_parent") return "podman";
  }
  return "unknown";
}

// The container id and runtime a single segment names, if any.
bool container_of_segment(std::string_view seg, std::string& id, std::string& runtime) {
  if (ends_with(seg, ".scope")) seg.remove_suffix(6);
  if (starts_with(seg, "crio-conmon-") || starts_with(seg, "libpod-conmon-")) return false;
  for (const auto& p : kScopePrefixes) {
    if (starts_with(seg, p.prefix) && is_hex_id(seg.substr(p.prefix.size()))) {
      id = seg.substr(p.prefix.size());
      runtime = p.runtime;
      return true;
    }
  }
  if (starts_with(seg, "lxc.payload.")) {
    id = seg.substr(12);
    runtime = "lxc";
    return !id.empty();
  }
  return false;
}

}  // namespace

std::string ContainerInfo::label() const {
  return id.empty() ? "host" : id.substr(0, 12);
}

ContainerInfo parse_container(std::string_view cgroup_path) {
  ContainerInfo info;
  auto parts = split_path(cgroup_path);
  for (size_t i = parts.size(); i-- > 0;) {
    std::string_view seg = parts[i];
    if (info.id.empty() && container_of_segment(seg, info.id, info.runtime)) {
      if (ends_with(seg, ".scope")) info.systemd_unit = seg;
    } else if (info.id.empty() && is_hex_id(seg)) {
      info.id = seg;
      info.runtime = runtime_from_ancestors(parts, i);
    } else if (info.id.empty() && i > 0 && parts[i - 1] == "lxc") {
      info.id = seg;
      info.runtime = "lxc";
    }
    if (info.pod_uid.empty()) info.pod_uid = pod_uid_of(seg);
    if (info.systemd_unit.empty() && ends_with(seg, ".service")) info.systemd_unit = seg;
  }
  if (info.id.empty()) info.pod_uid.clear();  // a pod slice alone is not a container
  return info;
}

std::vector<CgroupLine> parse_cgroup_file(std::string_view content) {
  std::vector<CgroupLine> lines;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    CgroupLine l;
    try {
      l.hierarchy = std::stoi(std::string(line.substr(0, c1)));
    } catch (const std::exception&) {
      continue;
    }
    l.controllers = line.substr(c1 + 1, c2 - c1 - 1);
    l.path = line.substr(c2 + 1);
    lines.push_back(std::move(l));
  }
  return lines;
}

ProcessCgroup process_cgroup(std::string_view content) {
  ProcessCgroup out;
  auto lines = parse_cgroup_file(content);
  auto rank = [](const CgroupLine& l) {
    if (l.hierarchy == 0 && l.controllers.empty()) return 0;
    if (l.controllers == "name=systemd") return 1;
    if (l.controllers.find("cpu") != std::string::npos) return 2;
    return 3;
  };
  std::stable_sort(lines.begin(), lines.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  for (const auto& l : lines) {
    if (l.hierarchy == 0 && l.controllers.empty()) out.v2_path = l.path;
    ContainerInfo info = parse_container(l.path);
    if (info.in_container()) {
      out.container = std::move(info);
      return out;
    }
    if (out.container.systemd_unit.empty()) out.container.systemd_unit = info.systemd_unit;
  }
  return out;
}

}  // namespace ksight::agent
