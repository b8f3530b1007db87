#pragma once
// pid → process metadata for everything that labels by process or
// container. Seeded from /proc at start, kept current by the process
// lifecycle events, and bounded: exited processes stay for a grace period
// (late events still resolve) and are then evicted; beyond max_entries the
// oldest exited entries go first, then the oldest live ones (which are
// re-read lazily from /proc when asked for again).
//
// PID reuse: entries are keyed by (pid, start time in clock ticks, as in
// /proc/<pid>/stat), so a recycled pid never inherits its predecessor.
// Thread-safe; lookups return copies.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/container_id.h"
#include "agent/event_decode.h"
#include "agent/proc_reader.h"

namespace ksight::agent {

struct ProcessInfo {
  uint32_t pid = 0;
  uint32_t ppid = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t start_ticks = 0;
  std::string comm;
  std::string exe;
  std::string cmdline;
  uint64_t cgroup_id = 0;
  std::string cgroup_path;  // cgroup v2 path ("0::" line)
  ContainerInfo container;
  bool exited = false;
  int32_t exit_code = 0;
  std::chrono::steady_clock::time_point exited_at{};
};

struct ProcessTableOptions {
  size_t max_entries = 65536;
  std::chrono::seconds exit_grace{30};
};

struct ProcessTableStats {
  uint64_t seeded = 0;
  uint64_t evicted_exited = 0;    // after the grace period
  uint64_t evicted_capacity = 0;  // to stay within max_entries
  uint64_t proc_misses = 0;       // /proc entry gone before we read it
};

class ProcessTable {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  ProcessTable(ProcReader& proc, ProcessTableOptions options, Clock clock = {});

  // Loads every process in /proc. Returns how many were added.
  size_t seed();
  void apply(const ProcessEvent& event);

  // The live (or most recently seen) process with this pid; on a miss, reads
  // /proc once and caches the result.
  std::optional<ProcessInfo> lookup(uint32_t pid);
  // Exactly this incarnation of pid (no /proc fallback).
  std::optional<ProcessInfo> lookup(uint32_t pid, uint64_t start_ticks) const;

  // Evicts what the grace period and the bound say; returns the pids that
  // no longer have any entry (for cleaning kernel maps keyed by tgid).
  std::vector<uint32_t> evict();

  // Pids whose process exited since the last call (for sources that read
  // a dead process's kernel counters one last time and delete them at once,
  // instead of after the grace period).
  std::vector<uint32_t> take_exited();

  // Calls `fn` for every live process (under the table's lock: keep it
  // short, do not call back into the table).
  void for_each_live(const std::function<void(const ProcessInfo&)>& fn) const;

  void set_options(ProcessTableOptions options);
  size_t size() const;
  size_t live_count() const;
  ProcessTableStats stats() const;

 private:
  using Key = std::pair<uint32_t, uint64_t>;
  std::optional<ProcessInfo> load_from_proc(uint32_t pid);
  void insert(ProcessInfo info);
  ProcessInfo* current(uint32_t pid);
  void refresh_cgroup(ProcessInfo& info);
  void on_fork(const ProcessEvent& e);
  void on_exec(const ProcessEvent& e);
  void on_exit(const ProcessEvent& e);
  void evict_key(const Key& key, std::vector<uint32_t>& gone);

  ProcReader& proc_;
  ProcessTableOptions options_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::map<Key, ProcessInfo> entries_;
  std::unordered_map<uint32_t, uint64_t> current_start_;  // pid → start of newest entry
  ProcessTableStats stats_;
  std::vector<uint32_t> exited_since_;
};

}  // namespace ksight::agent
