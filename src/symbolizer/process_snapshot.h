#pragma once
// What the symbolizer keeps of a process: its mappings, each file mapping
// tied to a cached LoadedObject opened while the process was alive (through
// /proc/PID/map_files, else /proc/PID/root/<path>, so deleted files and
// container filesystems resolve), and its JIT perf map.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "symbolizer/debug_locator.h"
#include "symbolizer/loaded_object.h"
#include "symbolizer/object_cache.h"
#include "symbolizer/perf_map.h"
#include "symbolizer/proc_maps.h"
#include "symbolizer/symbolizer.h"

namespace ksight::symbolizer {

struct SnapshotMapping {
  MapsEntry entry;
  std::shared_ptr<LoadedObject> object;  // null: not ELF, unreadable, or not a file
};

struct ProcessSnapshot {
  using Clock = std::chrono::steady_clock;
  uint32_t pid = 0;
  uint32_t ns_pid = 0;  // the pid inside its own pid namespace (names perf-<ns_pid>.map)
  bool gone = false;    // the process had exited when we first looked
  std::vector<SnapshotMapping> mappings;  // sorted by start
  std::shared_ptr<PerfMap> perf_map;      // null when the process has none
  Clock::time_point maps_read_at{};
  Clock::time_point perf_map_read_at{};
  int64_t perf_map_size = -1;
  int64_t perf_map_mtime = 0;
  uint64_t start_time = 0;   // clock ticks after boot (/proc/PID/stat field 22)
  std::string exe_identity;  // dev:inode of /proc/PID/exe (changes on execve)
  Clock::time_point identity_checked_at{};

  const SnapshotMapping* find(uint64_t address) const;
  size_t approximate_bytes() const;
};

struct SnapshotOptions {
  std::string proc_root = "/proc";
  bool use_map_files = true;
  DebugSearch debug;
  bool lines = true;  // see SymbolizerOptions::lines
  size_t memo_per_object = 16384;
};

// Builds and refreshes snapshots, sharing objects through `cache`.
class SnapshotReader {
 public:
  SnapshotReader(SnapshotOptions options, ObjectCache& cache, SymbolizerStats& stats);

  // Reads maps, opens mapped objects, reads the perf map. gone=true when
  // /proc/PID/maps could not be read.
  ProcessSnapshot capture(uint32_t pid);
  // Re-reads the maps of a live process; false (snapshot untouched) when gone.
  bool refresh_maps(ProcessSnapshot& snapshot);
  // Re-reads the perf map; false when there is none or it did not change.
  bool refresh_perf_map(ProcessSnapshot& snapshot);
  // False when the pid now belongs to another process (pid reuse) or the
  // process exec'ed another program.
  bool same_process(const ProcessSnapshot& snapshot);

 private:
  std::vector<SnapshotMapping> read_mappings(uint32_t pid, bool* ok);
  std::shared_ptr<LoadedObject> open_object(uint32_t pid, const MapsEntry& entry);
  std::shared_ptr<LoadedObject> load_new(int fd, uint32_t pid, const MapsEntry& entry,
                                         const std::string& identity);
  std::shared_ptr<LoadedObject> vdso();
  uint32_t read_ns_pid(uint32_t pid);
  uint64_t read_start_time(uint32_t pid);
  std::string exe_identity(uint32_t pid);
  std::string pid_dir(uint32_t pid) const;

  SnapshotOptions options_;
  ObjectCache& cache_;
  SymbolizerStats& stats_;
  std::shared_ptr<LoadedObject> vdso_;
  bool vdso_tried_ = false;
};

}  // namespace ksight::symbolizer
