#pragma once
// The real Symbolizer: /proc/PID/maps + ELF symbol tables + DWARF (libdw) for
// user space, /proc/kallsyms for the kernel, perf maps for JIT code.
// See README.md in this folder for the design and why libelf/libdw.
//
// Thread-safe: every call takes one internal lock.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "symbolizer/symbolizer.h"

namespace ksight::symbolizer {

// $KSIGHT_DEBUG_ROOT (colon-separated host directories laid out like
// /usr/lib/debug, e.g. a mounted debug-symbol volume), else /usr/lib/debug.
std::vector<std::string> default_debug_dirs();

struct SymbolizerOptions {
  // Where /proc is; tests point this at a synthetic tree.
  std::string proc_root = "/proc";
  // Empty: <proc_root>/kallsyms and <proc_root>/modules.
  std::string kallsyms_path;
  std::string modules_path;
  // Where /sys is (kernel and module build-ids from their notes).
  std::string sys_root = "/sys";
  // Open mapped files through /proc/PID/map_files first (needs CAP_SYS_ADMIN
  // or CAP_CHECKPOINT_RESTORE; the only way to a deleted file). False: only
  // /proc/PID/root/<path>.
  bool use_map_files = true;

  // Host directories searched for separate debug info, both as
  // <dir>/.build-id/xx/yyyy.debug and as <dir><binary dir>/<debuglink>.
  // The process root's /usr/lib/debug is always searched as well.
  std::vector<std::string> debug_dirs = default_debug_dirs();
  // Ask debuginfod (last) when DEBUGINFOD_URLS is set. Network: may be slow
  // the first time per build-id.
  bool debuginfod = true;
  // Source lines and inline frames from DWARF. False: objects with a .symtab
  // are named from it alone and their DWARF is never opened (libdw keeps the
  // debug sections plus per-unit line tables in memory: ~170 MB for one
  // 130 MB -g binary); DWARF is still read for names when .symtab is gone.
  bool lines = true;

  // Object cache bounds (least recently used evicted first).
  size_t max_objects = 512;
  size_t max_object_bytes = size_t{256} << 20;
  // Resolved addresses memoised per object (cleared when full).
  size_t memo_per_object = 16384;
  // Process snapshots kept (least recently used evicted first).
  size_t max_processes = 4096;

  // Rate limits for re-reading on a miss.
  std::chrono::milliseconds maps_refresh_interval{1000};
  std::chrono::milliseconds perf_map_refresh_interval{1000};
  std::chrono::milliseconds modules_check_interval{1000};
  std::chrono::milliseconds kallsyms_miss_reload_interval{5000};
};

std::unique_ptr<Symbolizer> make_symbolizer(const SymbolizerOptions& options = {});

}  // namespace ksight::symbolizer
