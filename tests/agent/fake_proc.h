#pragma once
// A recorded /proc for process-table tests.
#include <map>
#include <string>

#include "agent/proc_reader.h"

namespace ksight::agent::testing {

struct FakeProcess {
  std::string comm = "proc";
  uint32_t ppid = 1;
  uint64_t start_ticks = 100;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string cmdline{};  // NUL-separated
  std::string exe{};
  std::string cgroup = "0::/\n";
};

class FakeProcReader : public ProcReader {
 public:
  std::map<uint32_t, FakeProcess> procs;
  int reads = 0;

  std::vector<uint32_t> list_pids() override {
    std::vector<uint32_t> pids;
    for (const auto& [pid, p] : procs) pids.push_back(pid);
    return pids;
  }
  std::optional<std::string> read(uint32_t pid, const std::string& file) override {
    ++reads;
    auto it = procs.find(pid);
    if (it == procs.end()) return std::nullopt;
    const FakeProcess& p = it->second;
    if (file == "stat") {
      std::string s = std::to_string(pid) + " (" + p.comm + ") S " + std::to_string(p.ppid);
      for (int field = 5; field <= 21; ++field) s += " 0";
      return s + " " + std::to_string(p.start_ticks) + " 0 0\n";
    }
    if (file == "status") {
      return "Name:\t" + p.comm + "\nUid:\t" + std::to_string(p.uid) + "\t0\t0\t0\nGid:\t" +
             std::to_string(p.gid) + "\t0\t0\t0\n";
    }
    if (file == "cmdline") return p.cmdline;
    if (file == "cgroup") return p.cgroup;
    return std::nullopt;
  }
  std::optional<std::string> exe(uint32_t pid) override {
    auto it = procs.find(pid);
    if (it == procs.end() || it->second.exe.empty()) return std::nullopt;
    return it->second.exe;
  }
};

}  // namespace ksight::agent::testing
