#include "agent/security_paths.h"

#include <gtest/gtest.h>

#include <map>

namespace ksight::agent {
namespace {

// /proc links as a table: {pid, link} -> target.
class FakeLinks : public ProcLinks {
 public:
  std::map<std::pair<uint32_t, std::string>, std::string> links;
  int reads = 0;
  std::optional<std::string> read_link(uint32_t pid, std::string_view link) override {
    reads++;
    auto it = links.find({pid, std::string(link)});
    if (it == links.end()) return std::nullopt;
    return it->second;
  }
};

TEST(SecurityPaths, NormalizeIsLexical) {
  EXPECT_EQ(normalize_path("/a/./b/../c/"), "/a/c");
  EXPECT_EQ(normalize_path("//etc//shadow"), "/etc/shadow");
  EXPECT_EQ(normalize_path("/../.."), "/");
  EXPECT_EQ(normalize_path("/"), "/");
}

TEST(SecurityPaths, AbsolutePathsNeedNoProc) {
  FakeLinks proc;
  EXPECT_EQ(resolve_path("/etc/../etc/passwd", kAtFdcwd, 1, proc), "/etc/passwd");
  EXPECT_EQ(proc.reads, 0);
}

TEST(SecurityPaths, RelativeToCwdAndDirfd) {
  FakeLinks proc;
  proc.links[{10, "cwd"}] = "/home/alice";
  proc.links[{10, "fd/7"}] = "/var/log";
  EXPECT_EQ(resolve_path("notes.txt", kAtFdcwd, 10, proc), "/home/alice/notes.txt");
  EXPECT_EQ(resolve_path("../bob/x", kAtFdcwd, 10, proc), "/home/bob/x");
  EXPECT_EQ(resolve_path("syslog", 7, 10, proc), "/var/log/syslog");
  // Gone process, unknown fd, empty path, a dirfd that is not a directory.
  EXPECT_EQ(resolve_path("x", kAtFdcwd, 11, proc), std::nullopt);
  EXPECT_EQ(resolve_path("x", 8, 10, proc), std::nullopt);
  EXPECT_EQ(resolve_path("", kAtFdcwd, 10, proc), std::nullopt);
  proc.links[{10, "fd/9"}] = "socket:[123]";
  EXPECT_EQ(resolve_path("x", 9, 10, proc), std::nullopt);
}

TEST(SecurityPaths, RecordEnrichment) {
  FakeLinks proc;
  proc.links[{10, "cwd"}] = "/srv";
  proc.links[{10, "exe"}] = "/memfd:payload (deleted)";
  proc.links[{10, "fd/4"}] = "/etc/passwd";

  SecurityEventRecord open;
  open.kind = SecurityEventKind::kOpen;
  open.pid = 10;
  open.path = "data/../app.conf";
  resolve_record_paths(open, proc);
  EXPECT_EQ(open.resolved_path, "/srv/app.conf");

  SecurityEventRecord exec;
  exec.kind = SecurityEventKind::kExec;
  exec.pid = 10;
  exec.filename = "./run.sh";
  resolve_record_paths(exec, proc);
  EXPECT_EQ(exec.cwd, "/srv");
  EXPECT_EQ(exec.exe, "/srv/run.sh");

  exec.filename = "";  // fexecve: only /proc/PID/exe knows
  exec.exe.clear();
  resolve_record_paths(exec, proc);
  EXPECT_EQ(exec.exe, "/memfd:payload (deleted)");

  SecurityEventRecord fchmod;
  fchmod.kind = SecurityEventKind::kChmod;
  fchmod.pid = 10;
  fchmod.fd = 4;
  resolve_record_paths(fchmod, proc);
  EXPECT_EQ(fchmod.resolved_path, "/etc/passwd");

  SecurityEventRecord rename;
  rename.kind = SecurityEventKind::kRename;
  rename.pid = 10;
  rename.path = "a";
  rename.path2 = "/tmp/b";
  resolve_record_paths(rename, proc);
  EXPECT_EQ(rename.resolved_path, "/srv/a");
  EXPECT_EQ(rename.resolved_path2, "/tmp/b");
}

}  // namespace
}  // namespace ksight::agent
