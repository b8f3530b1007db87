#include "unwind/dwarf_unwinder.h"

#include <sys/stat.h>
#include <time.h>

#include <algorithm>

#include "unwind/process_unwinder.h"

namespace ksight::unwind {
namespace {

uint64_t thread_cpu_nanos() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

DwarfUnwinder::DwarfUnwinder(UnwinderOptions options) : options_(std::move(options)) {}
DwarfUnwinder::~DwarfUnwinder() = default;

bool DwarfUnwinder::process_alive(uint32_t pid) const {
  struct stat st {};
  return stat((options_.proc_root + "/" + std::to_string(pid) + "/maps").c_str(), &st) == 0;
}

ProcessUnwinder& DwarfUnwinder::process(uint32_t pid) {
  auto it = processes_.find(pid);
  if (it == processes_.end()) {
    evict_if_full();
    it = processes_.emplace(pid, std::make_unique<ProcessUnwinder>(pid, options_)).first;
    stats_.processes = processes_.size();
  }
  it->second->last_use = ++use_clock_;
  return *it->second;
}

void DwarfUnwinder::evict_if_full() {
  while (!processes_.empty() && processes_.size() >= options_.max_processes) {
    auto oldest = std::min_element(processes_.begin(), processes_.end(), [](auto& a, auto& b) {
      return a.second->last_use < b.second->last_use;
    });
    processes_.erase(oldest);
    ++stats_.process_evictions;
  }
}

void DwarfUnwinder::observe_process(uint32_t pid) {
  process(pid);
}

void DwarfUnwinder::forget_process(uint32_t pid) {
  processes_.erase(pid);
  stats_.processes = processes_.size();
}

UnwindResult DwarfUnwinder::unwind(const StackSnapshot& snapshot) {
  uint64_t start = thread_cpu_nanos();
  ProcessUnwinder* p = &process(snapshot.pid);
  UnwindResult result = p->unwind(snapshot, options_.max_depth);
  // A pc outside every module of a live process: it mapped code after we
  // first looked (dlopen). Re-read its maps, rate-limited, and retry once.
  if (result.error == UnwindError::kNoModule &&
      ProcessUnwinder::Clock::now() - p->loaded_at() >= options_.maps_reload_interval &&
      process_alive(snapshot.pid)) {
    auto fresh = std::make_unique<ProcessUnwinder>(snapshot.pid, options_);
    ++stats_.maps_reloads;
    if (!fresh->gone()) {
      fresh->last_use = ++use_clock_;
      p = fresh.get();
      processes_[snapshot.pid] = std::move(fresh);
      result = p->unwind(snapshot, options_.max_depth);
    }
  }
  stats_.dwarf_frames += result.frames.size();
  if (result.error) ++stats_.error(*result.error);
  stats_.unwind_nanos += thread_cpu_nanos() - start;
  return result;
}

std::optional<bool> DwarfUnwinder::frame_pointer_based(uint32_t pid, uint64_t pc) {
  return process(pid).frame_pointer_based(pc);
}

const UnwindStats& DwarfUnwinder::stats() const {
  return stats_;
}

size_t DwarfUnwinder::approximate_bytes() const {
  size_t bytes = 0;
  for (const auto& [pid, p] : processes_) bytes += p->approximate_bytes();
  return bytes;
}

}  // namespace ksight::unwind
