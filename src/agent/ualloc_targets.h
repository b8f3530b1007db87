#pragma once
// Which processes the agent's user allocation profiler follows
// (profiler.ualloc_comm, profiler.ualloc_pids): the kernel-free half of
// the agent's "ualloc" profile type, so it is tested without uprobes.
//
// Each collect, the live processes of the process table are offered; a
// wanted one that is not attached yet is returned to attach (processes that
// start later are picked up by the next collect after their exec). A
// failed attach (a static binary, no libc) is not retried for that process
// incarnation; past max_processes the rest are skipped and counted. Exits
// return the attached pids to detach; everything about a pid is forgotten
// then, so churn does not grow this state.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ksight::agent {

struct UallocTargetOptions {
  std::set<std::string> comms;  // exact comm names (the kernel's 15 characters)
  std::set<uint32_t> pids;
  size_t max_processes = 64;
};

// Config validation: nullopt when fine, else what is wrong.
std::optional<std::string> check_comm_list(const std::string& text);
std::optional<std::string> check_pid_list(const std::string& text);
UallocTargetOptions parse_ualloc_targets(const std::string& comms, const std::string& pids,
                                         size_t max_processes);

struct UallocCandidate {
  uint32_t pid = 0;
  uint64_t start_ticks = 0;  // tells a reused pid from its predecessor
  std::string comm;
};

struct UallocTargetStats {
  size_t attached = 0;      // processes attached now
  uint64_t attaches = 0;    // attached since start
  uint64_t failures = 0;    // attach errors (one per process incarnation)
  uint64_t over_limit = 0;  // wanted processes skipped for max_processes
};

class UallocTargets {
 public:
  explicit UallocTargets(UallocTargetOptions options);

  bool wants(const UallocCandidate& c) const;
  // The wanted, not yet attached (or failed) processes among `live`, at
  // most what max_processes leaves room for; the others are counted once.
  std::vector<UallocCandidate> to_attach(const std::vector<UallocCandidate>& live);
  void attached(const UallocCandidate& c);
  void failed(const UallocCandidate& c);
  // These pids exited (or were evicted): the attached ones are returned
  // for detaching; every trace of them is dropped.
  std::vector<uint32_t> exited(const std::vector<uint32_t>& pids);
  UallocTargetStats stats() const;

 private:
  using Key = std::pair<uint32_t, uint64_t>;
  UallocTargetOptions options_;
  std::map<uint32_t, uint64_t> attached_;  // pid → start_ticks
  std::set<Key> failed_;
  std::set<Key> over_limit_;
  UallocTargetStats stats_;
};

}  // namespace ksight::agent
