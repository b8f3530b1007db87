#pragma once
// Turning the paths syscalls receive into absolute paths. The kernel hands
// BPF what the caller passed ("../x", "log" with dirfd 5); rules want
// "/var/log/x". Relative paths are joined with the process's cwd
// (AT_FDCWD) or the directory behind dirfd, both read from /proc through a
// seam so tests need no processes. Best effort: a process that has already
// exited leaves the path relative (and `resolved` empty).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/security_events.h"

namespace ksight::agent {

// The /proc reads path resolution needs.
class ProcLinks {
 public:
  virtual ~ProcLinks() = default;
  // readlink("/proc/<pid>/<link>"), link = "cwd", "exe", "fd/<n>".
  virtual std::optional<std::string> read_link(uint32_t pid, std::string_view link) = 0;
};

// The real /proc.
class ProcfsLinks : public ProcLinks {
 public:
  std::optional<std::string> read_link(uint32_t pid, std::string_view link) override;
};

// Lexical normalisation of an absolute path: "//a/./b/../c/" -> "/a/c".
std::string normalize_path(std::string_view path);

// Absolute form of `path` as the kernel would look it up from `dirfd` in
// process `pid`; nullopt when it cannot be known (process gone, empty path).
std::optional<std::string> resolve_path(std::string_view path, int32_t dirfd, uint32_t pid,
                                        ProcLinks& proc);

// Fills resolved_path(2), exe and cwd of a decoded record.
void resolve_record_paths(SecurityEventRecord& record, ProcLinks& proc);

}  // namespace ksight::agent
