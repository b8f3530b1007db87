#pragma once
// The standard process_* metrics every Prometheus exporter offers, about the
// agent itself, plus ksight_build_info. Values are read from /proc/self at
// scrape time through a collector.
#include <cstdint>
#include <optional>
#include <string>

#include "metrics/registry.h"

namespace ksight::metrics {

struct SelfStats {
  double cpu_seconds = 0;       // utime + stime
  uint64_t resident_bytes = 0;  // RSS
  uint64_t virtual_bytes = 0;
  double start_time_seconds = 0;  // Unix time
  uint64_t open_fds = 0;
};

// Parses /proc/<pid>/stat text (the comm field may hold spaces and ')').
// Returns nullopt when malformed. `ticks_per_second` and `page_size` as from sysconf.
std::optional<SelfStats> parse_proc_stat(const std::string& stat, long ticks_per_second,
                                         long page_size, double boot_time_seconds);

// Reads /proc/self now.
std::optional<SelfStats> read_self_stats();

// Registers process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds
// and ksight_build_info{version}.
void register_process_metrics(Registry& registry, const std::string& version);

}  // namespace ksight::metrics
