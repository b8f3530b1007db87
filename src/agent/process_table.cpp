#include "agent/process_table.h"

#include <algorithm>

namespace ksight::agent {

ProcessTable::ProcessTable(ProcReader& proc, ProcessTableOptions options, Clock clock)
    : proc_(proc), options_(options), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

std::optional<ProcessInfo> ProcessTable::load_from_proc(uint32_t pid) {
  auto stat_text = proc_.read(pid, "stat");
  auto stat = stat_text ? parse_stat(*stat_text) : std::nullopt;
  if (!stat) return std::nullopt;
  ProcessInfo info;
  info.pid = pid;
  info.ppid = stat->ppid;
  info.start_ticks = stat->start_ticks;
  info.comm = stat->comm;
  if (auto status = proc_.read(pid, "status")) {
    if (auto ids = parse_status_ids(*status)) {
      info.uid = ids->uid;
      info.gid = ids->gid;
    }
  }
  if (auto cmdline = proc_.read(pid, "cmdline")) info.cmdline = parse_cmdline(*cmdline);
  if (auto exe = proc_.exe(pid)) info.exe = *exe;
  refresh_cgroup(info);
  return info;
}

void ProcessTable::refresh_cgroup(ProcessInfo& info) {
  auto content = proc_.read(info.pid, "cgroup");
  if (!content) return;
  ProcessCgroup cg = process_cgroup(*content);
  info.cgroup_path = cg.v2_path;
  info.container = std::move(cg.container);
}

size_t ProcessTable::seed() {
  size_t added = 0;
  for (uint32_t pid : proc_.list_pids()) {
    auto info = load_from_proc(pid);
    std::lock_guard lock(mutex_);
    if (!info) {
      stats_.proc_misses++;
      continue;
    }
    insert(std::move(*info));
    ++added;
  }
  std::lock_guard lock(mutex_);
  stats_.seeded += added;
  return added;
}

void ProcessTable::insert(ProcessInfo info) {
  uint32_t pid = info.pid;
  uint64_t start = info.start_ticks;
  auto it = current_start_.find(pid);
  if (it != current_start_.end() && it->second != start) {
    // PID reuse: the previous incarnation is over even if its exit was lost.
    auto old = entries_.find({pid, it->second});
    if (old != entries_.end() && !old->second.exited) {
      old->second.exited = true;
      old->second.exited_at = clock_();
    }
  }
  if (it == current_start_.end() || start >= it->second) current_start_[pid] = start;
  entries_[{pid, start}] = std::move(info);
}

ProcessInfo* ProcessTable::current(uint32_t pid) {
  auto it = current_start_.find(pid);
  if (it == current_start_.end()) return nullptr;
  auto e = entries_.find({pid, it->second});
  return e == entries_.end() ? nullptr : &e->second;
}

void ProcessTable::apply(const ProcessEvent& e) {
  switch (e.type) {
    case ProcessEventType::kFork:
      on_fork(e);
      break;
    case ProcessEventType::kExec:
      on_exec(e);
      break;
    case ProcessEventType::kExit:
      on_exit(e);
      break;
  }
}

void ProcessTable::on_fork(const ProcessEvent& e) {
  ProcessInfo info;
  info.pid = e.pid;
  info.ppid = e.ppid;
  info.uid = e.uid;
  info.gid = e.gid;
  info.start_ticks = boottime_ns_to_ticks(e.start_boottime_ns);
  info.comm = e.comm;
  info.cgroup_id = e.cgroup_id;
  std::lock_guard lock(mutex_);
  // A forked child runs the parent's image in the parent's cgroups.
  if (ProcessInfo* parent = current(e.ppid)) {
    info.exe = parent->exe;
    info.cmdline = parent->cmdline;
    info.cgroup_path = parent->cgroup_path;
    info.container = parent->container;
  } else {
    refresh_cgroup(info);
  }
  insert(std::move(info));
}

void ProcessTable::on_exec(const ProcessEvent& e) {
  uint64_t start = boottime_ns_to_ticks(e.start_boottime_ns);
  std::lock_guard lock(mutex_);
  ProcessInfo& info = entries_[{e.pid, start}];
  if (info.pid == 0) {  // exec of a process we never saw fork
    info.pid = e.pid;
    info.start_ticks = start;
    insert(info);
  }
  ProcessInfo& cur = entries_[{e.pid, start}];
  cur.ppid = e.ppid;
  cur.uid = e.uid;
  cur.gid = e.gid;
  cur.comm = e.comm;
  cur.cgroup_id = e.cgroup_id;
  cur.exe = proc_.exe(e.pid).value_or(e.filename);
  auto cmdline = proc_.read(e.pid, "cmdline");
  cur.cmdline = cmdline ? parse_cmdline(*cmdline) : e.filename;
  refresh_cgroup(cur);  // runtimes move a container's init into its cgroup before exec
}

void ProcessTable::on_exit(const ProcessEvent& e) {
  uint64_t start = boottime_ns_to_ticks(e.start_boottime_ns);
  std::lock_guard lock(mutex_);
  auto it = entries_.find({e.pid, start});
  if (it == entries_.end()) {
    ProcessInfo info;
    info.pid = e.pid;
    info.ppid = e.ppid;
    info.start_ticks = start;
    info.comm = e.comm;
    insert(std::move(info));
    it = entries_.find({e.pid, start});
  }
  it->second.exited = true;
  it->second.exit_code = e.exit_code;
  it->second.exited_at = clock_();
  if (exited_since_.size() < options_.max_entries) exited_since_.push_back(e.pid);
}

std::vector<uint32_t> ProcessTable::take_exited() {
  std::lock_guard lock(mutex_);
  std::vector<uint32_t> out;
  out.swap(exited_since_);
  return out;
}

std::optional<ProcessInfo> ProcessTable::lookup(uint32_t pid) {
  {
    std::lock_guard lock(mutex_);
    if (ProcessInfo* info = current(pid)) return *info;
  }
  auto info = load_from_proc(pid);
  std::lock_guard lock(mutex_);
  if (!info) {
    stats_.proc_misses++;
    return std::nullopt;
  }
  insert(*info);
  return info;
}

std::optional<ProcessInfo> ProcessTable::lookup(uint32_t pid, uint64_t start_ticks) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find({pid, start_ticks});
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void ProcessTable::evict_key(const Key& key, std::vector<uint32_t>& gone) {
  entries_.erase(key);
  auto it = current_start_.find(key.first);
  if (it != current_start_.end() && it->second == key.second) {
    current_start_.erase(it);
    gone.push_back(key.first);
  }
}

std::vector<uint32_t> ProcessTable::evict() {
  std::lock_guard lock(mutex_);
  std::vector<uint32_t> gone;
  auto now = clock_();
  std::vector<std::pair<std::chrono::steady_clock::time_point, Key>> exited;
  for (const auto& [key, info] : entries_) {
    if (!info.exited) continue;
    if (now - info.exited_at >= options_.exit_grace) {
      exited.push_back({{}, key});
    } else {
      exited.push_back({info.exited_at, key});
    }
  }
  std::sort(exited.begin(), exited.end());
  for (const auto& [at, key] : exited) {
    bool expired = at == std::chrono::steady_clock::time_point{};
    if (!expired && entries_.size() <= options_.max_entries) break;
    evict_key(key, gone);
    (expired ? stats_.evicted_exited : stats_.evicted_capacity)++;
  }
  if (entries_.size() > options_.max_entries) {
    // Still over: drop the oldest-started live processes (re-read on demand).
    std::vector<std::pair<uint64_t, Key>> live;
    for (const auto& [key, info] : entries_) live.push_back({info.start_ticks, key});
    std::sort(live.begin(), live.end());
    size_t excess = entries_.size() - options_.max_entries;
    for (size_t i = 0; i < excess; ++i) {
      evict_key(live[i].second, gone);
      stats_.evicted_capacity++;
    }
  }
  return gone;
}

void ProcessTable::set_options(ProcessTableOptions options) {
  std::lock_guard lock(mutex_);
  options_ = options;
}

size_t ProcessTable::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void ProcessTable::for_each_live(const std::function<void(const ProcessInfo&)>& fn) const {
  std::lock_guard lock(mutex_);
  for (const auto& [key, info] : entries_) {
    if (!info.exited) fn(info);
  }
}

size_t ProcessTable::live_count() const {
  std::lock_guard lock(mutex_);
  return std::count_if(entries_.begin(), entries_.end(),
                       [](const auto& kv) { return !kv.second.exited; });
}

ProcessTableStats ProcessTable::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace ksight::agent
