#pragma once
// DWARF CFI unwinding of user stacks from a sample's registers and stack copy
// (the `perf --call-graph dwarf` design; README.md says why). One libdwfl
// session per process, holding its ELF modules as mapped when the process
// was first seen, bounded in number and evicted least recently used first.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "unwind/stack_snapshot.h"
#include "unwind/unwind_stats.h"

namespace ksight::unwind {

struct UnwinderOptions {
  std::string proc_root = "/proc";  // tests point this at a synthetic tree
  // Open mapped files through /proc/PID/map_files (deleted files, overlay
  // roots) before /proc/PID/root/<path>.
  bool use_map_files = true;
  size_t max_processes = 256;
  size_t max_depth = 127;  // frames per stack (KSIGHT_MAX_STACK_DEPTH)
  // Re-read a live process's maps at most this often when a pc falls in no
  // module (dlopen after first sight).
  std::chrono::milliseconds maps_reload_interval{1000};
  size_t fp_memo_per_process = 65536;
};

struct UnwindResult {
  // Leaf first. frames[0] is the sampled pc; the others are return
  // addresses (symbolize them at pc-1), like a frame-pointer stack.
  std::vector<uint64_t> frames;
  std::optional<UnwindError> error;  // why it stopped early; nullopt: reached the outermost frame
};

class ProcessUnwinder;

class DwarfUnwinder {
 public:
  explicit DwarfUnwinder(UnwinderOptions options = {});
  ~DwarfUnwinder();
  DwarfUnwinder(const DwarfUnwinder&) = delete;
  DwarfUnwinder& operator=(const DwarfUnwinder&) = delete;

  // Captures the process's modules if not held yet; cheap when held.
  void observe_process(uint32_t pid);
  void forget_process(uint32_t pid);

  // Unwinds one snapshot. Counts errors in stats().
  UnwindResult unwind(const StackSnapshot& snapshot);

  // Whether the function at `pc` has its frame pointer set up there (its CFA
  // is defined from rbp), i.e. a frame-pointer walk through it is exact.
  // nullopt: no module or no CFI covers pc.
  std::optional<bool> frame_pointer_based(uint32_t pid, uint64_t pc);

  const UnwindStats& stats() const;
  // Approximate bytes of unwind state held (per-process sessions, memos),
  // not counting the page cache behind mapped ELF files.
  size_t approximate_bytes() const;

 private:
  ProcessUnwinder& process(uint32_t pid);
  void evict_if_full();
  bool process_alive(uint32_t pid) const;

  UnwinderOptions options_;
  UnwindStats stats_;
  std::unordered_map<uint32_t, std::unique_ptr<ProcessUnwinder>> processes_;
  uint64_t use_clock_ = 0;
};

}  // namespace ksight::unwind
