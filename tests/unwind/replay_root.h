#pragma once
// A synthetic /proc for replaying a recorded snapshot: <dir>/<pid>/maps holds
// the recorded maps and <dir>/<pid>/root points at / so the mapped files
// resolve as they did when recorded.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "unwind/snapshot_file.h"

namespace ksight::testing {

class ReplayRoot {
 public:
  ReplayRoot() {
    char pattern[] = "/tmp/ksight-unwind-replay-XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  ~ReplayRoot() { std::filesystem::remove_all(dir_); }
  void add(uint32_t pid, const std::string& maps) {
    auto pid_dir = std::filesystem::path(dir_) / std::to_string(pid);
    std::filesystem::create_directories(pid_dir);
    std::ofstream(pid_dir / "maps") << maps;
    std::filesystem::create_directory_symlink("/", pid_dir / "root");
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace ksight::testing
