#pragma once
// The /proc seam: the process table reads processes through ProcReader so
// tests replay recorded /proc contents, and processes that vanish mid-read
// (the normal race with short-lived processes) come back as nullopt.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ksight::agent {

class ProcReader {
 public:
  virtual ~ProcReader() = default;
  // Thread-group ids present now.
  virtual std::vector<uint32_t> list_pids() = 0;
  // Contents of /proc/<pid>/<file> ("stat", "status", "cmdline", "cgroup").
  virtual std::optional<std::string> read(uint32_t pid, const std::string& file) = 0;
  // Target of /proc/<pid>/exe.
  virtual std::optional<std::string> exe(uint32_t pid) = 0;
};

class LinuxProcReader : public ProcReader {
 public:
  explicit LinuxProcReader(std::string root = "/proc") : root_(std::move(root)) {}
  std::vector<uint32_t> list_pids() override;
  std::optional<std::string> read(uint32_t pid, const std::string& file) override;
  std::optional<std::string> exe(uint32_t pid) override;

 private:
  std::string root_;
};

// Fields of /proc/<pid>/stat the table needs.
struct ProcStat {
  std::string comm;
  uint32_t ppid = 0;
  uint64_t start_ticks = 0;  // field 22: clock ticks since boot
};
std::optional<ProcStat> parse_stat(const std::string& stat);

// Real uid and gid from /proc/<pid>/status.
struct ProcIds {
  uint32_t uid = 0;
  uint32_t gid = 0;
};
std::optional<ProcIds> parse_status_ids(const std::string& status);

// argv joined by spaces (NULs become spaces; trailing NUL dropped).
std::string parse_cmdline(const std::string& cmdline);

// /proc's clock-tick unit for start times, from CLOCK_BOOTTIME ns.
uint64_t boottime_ns_to_ticks(uint64_t ns);

}  // namespace ksight::agent
