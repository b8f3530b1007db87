#include "agent/security_paths.h"

#include <limits.h>
#include <unistd.h>

#include <vector>

namespace ksight::agent {

std::optional<std::string> ProcfsLinks::read_link(uint32_t pid, std::string_view link) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + std::string(link);
  char buf[PATH_MAX];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

namespace {

// Already normal: no empty, "." or ".." components and no trailing slash.
bool is_normal(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') return false;
  return path.find("//") == std::string_view::npos && path.find("/.") == std::string_view::npos;
}

}  // namespace

std::string normalize_path(std::string_view path) {
  if (!path.empty() && path.front() == '/' && is_normal(path)) return std::string(path);
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(pos, end - pos);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = end + 1;
  }
  std::string out;
  for (auto part : parts) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

std::optional<std::string> resolve_path(std::string_view path, int32_t dirfd, uint32_t pid,
                                        ProcLinks& proc) {
  if (path.empty()) return std::nullopt;
  if (path.front() == '/') return normalize_path(path);
  std::optional<std::string> base;
  if (dirfd == kAtFdcwd) {
    base = proc.read_link(pid, "cwd");
  } else if (dirfd >= 0) {
    base = proc.read_link(pid, "fd/" + std::to_string(dirfd));
  }
  if (!base || base->empty() || base->front() != '/') return std::nullopt;
  return normalize_path(*base + "/" + std::string(path));
}

namespace {

void resolve_exec(SecurityEventRecord& r, ProcLinks& proc) {
  // BPF walked cwd and exe from the dentries when it could (complete walks
  // only); /proc is the fallback while the process still exists.
  if (r.cwd.empty()) {
    if (auto cwd = proc.read_link(r.pid, "cwd")) r.cwd = *cwd;
  }
  if (!r.exe.empty()) return;
  // The filename as resolved in the caller is the exe the kernel loaded;
  // /proc/PID/exe is the fallback for fexecve (empty filename) and races.
  if (!r.filename.empty() && r.filename.front() == '/') {
    r.exe = normalize_path(r.filename);
  } else if (!r.filename.empty() && r.dirfd == kAtFdcwd && !r.cwd.empty()) {
    r.exe = normalize_path(r.cwd + "/" + r.filename);
  } else if (auto exe = proc.read_link(r.pid, "exe")) {
    r.exe = *exe;
  } else {
    r.exe = r.exe_name;
  }
}

}  // namespace

void resolve_record_paths(SecurityEventRecord& r, ProcLinks& proc) {
  switch (r.kind) {
    case SecurityEventKind::kExec:
      resolve_exec(r, proc);
      return;
    case SecurityEventKind::kOpen:
    case SecurityEventKind::kUnlink:
    case SecurityEventKind::kChmod:
    case SecurityEventKind::kChown:
      if (auto p = resolve_path(r.path, r.dirfd, r.pid, proc)) {
        r.resolved_path = *p;
      } else if (r.path.empty() && r.fd >= 0) {  // fchmod / fchown
        if (auto f = proc.read_link(r.pid, "fd/" + std::to_string(r.fd))) r.resolved_path = *f;
      }
      return;
    case SecurityEventKind::kRename:
      if (auto p = resolve_path(r.path, r.dirfd, r.pid, proc)) r.resolved_path = *p;
      if (auto p = resolve_path(r.path2, r.dirfd2, r.pid, proc)) r.resolved_path2 = *p;
      return;
    case SecurityEventKind::kMount:
      if (auto p = resolve_path(r.path2, kAtFdcwd, r.pid, proc)) r.resolved_path2 = *p;
      return;
    default:
      return;
  }
}

}  // namespace ksight::agent
