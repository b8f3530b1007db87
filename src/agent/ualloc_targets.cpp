#include "agent/ualloc_targets.h"

#include <charconv>

#include "common/string_list.h"

namespace ksight::agent {

namespace {

constexpr size_t kCommMax = 15;  // TASK_COMM_LEN - 1: the kernel truncates longer names

std::optional<uint32_t> parse_pid(const std::string& text) {
  uint32_t pid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end != text.data() + text.size() || pid == 0) return std::nullopt;
  return pid;
}

}  // namespace

std::optional<std::string> check_comm_list(const std::string& text) {
  for (const auto& name : split_list(text)) {
    if (name.size() > kCommMax) {
      return "'" + name + "' is longer than the kernel's 15-character comm; use its first 15 (" +
             name.substr(0, kCommMax) + ")";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_pid_list(const std::string& text) {
  for (const auto& item : split_list(text)) {
    if (!parse_pid(item)) return "expected process ids (1..4294967295), got '" + item + "'";
  }
  return std::nullopt;
}

UallocTargetOptions parse_ualloc_targets(const std::string& comms, const std::string& pids,
                                         size_t max_processes) {
  UallocTargetOptions o;
  for (const auto& c : split_list(comms)) o.comms.insert(c);
  for (const auto& p : split_list(pids)) {
    if (auto pid = parse_pid(p)) o.pids.insert(*pid);
  }
  o.max_processes = max_processes;
  return o;
}

UallocTargets::UallocTargets(UallocTargetOptions options) : options_(std::move(options)) {}

bool UallocTargets::wants(const UallocCandidate& c) const {
  return options_.pids.count(c.pid) > 0 || options_.comms.count(c.comm) > 0;
}

std::vector<UallocCandidate> UallocTargets::to_attach(const std::vector<UallocCandidate>& live) {
  std::vector<UallocCandidate> out;
  for (const auto& c : live) {
    Key key{c.pid, c.start_ticks};
    if (!wants(c) || attached_.count(c.pid) || failed_.count(key)) continue;
    if (attached_.size() + out.size() < options_.max_processes) {
      out.push_back(c);  // also one skipped before, now that there is room
    } else if (over_limit_.insert(key).second) {
      ++stats_.over_limit;  // counted once per process, offered again later
    }
  }
  return out;
}

void UallocTargets::attached(const UallocCandidate& c) {
  attached_[c.pid] = c.start_ticks;
  ++stats_.attaches;
}

void UallocTargets::failed(const UallocCandidate& c) {
  failed_.insert({c.pid, c.start_ticks});
  ++stats_.failures;
}

std::vector<uint32_t> UallocTargets::exited(const std::vector<uint32_t>& pids) {
  std::vector<uint32_t> detach;
  for (uint32_t pid : pids) {
    if (attached_.erase(pid)) detach.push_back(pid);
    // Every incarnation of the pid: the table reports a pid, not which one.
    auto drop = [pid](std::set<Key>& keys) {
      auto it = keys.lower_bound({pid, 0});
      while (it != keys.end() && it->first == pid) it = keys.erase(it);
    };
    drop(failed_);
    drop(over_limit_);
  }
  return detach;
}

UallocTargetStats UallocTargets::stats() const {
  UallocTargetStats s = stats_;
  s.attached = attached_.size();
  return s;
}

}  // namespace ksight::agent
