#include "metrics/process_metrics.h"

#include <dirent.h>
#include <malloc.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace ksight::metrics {

namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double boot_time_seconds() {
  std::istringstream in(read_file("/proc/stat"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

uint64_t count_fds() {
  uint64_t n = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++n;
    }
    closedir(dir);
  }
  return n > 0 ? n - 1 : 0;  // the directory fd itself
}

}  // namespace

std::optional<SelfStats> parse_proc_stat(const std::string& stat, long ticks_per_second,
                                         long page_size, double boot_time) {
  auto close = stat.rfind(')');
  if (close == std::string::npos || ticks_per_second <= 0) return std::nullopt;
  std::istringstream in(stat.substr(close + 1));
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  std::string word;
  while (in >> word) fields.push_back(word);
  if (fields.size() < 22) return std::nullopt;
  try {
    SelfStats s;
    double ticks = static_cast<double>(ticks_per_second);
    s.cpu_seconds = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;        // utime, stime
    s.start_time_seconds = boot_time + std::stod(fields[19]) / ticks;               // starttime
    s.virtual_bytes = std::stoull(fields[20]);                                      // vsize
    s.resident_bytes = std::stoull(fields[21]) * static_cast<uint64_t>(page_size);  // rss
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<SelfStats> read_self_stats() {
  static const double boot = boot_time_seconds();
  auto stats = parse_proc_stat(read_file("/proc/self/stat"), sysconf(_SC_CLK_TCK),
                               sysconf(_SC_PAGESIZE), boot);
  if (stats) stats->open_fds = count_fds();
  return stats;
}

void register_process_metrics(Registry& registry, const std::string& version) {
  auto& cpu = registry.counter("process_cpu_seconds_total",
                               "Total user and system CPU time spent in seconds.");
  auto& rss = registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  auto& vsize = registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  auto& start = registry.gauge("process_start_time_seconds",
                               "Start time of the process since unix epoch in seconds.");
  auto& fds = registry.gauge("process_open_fds", "Number of open file descriptors.");
  auto& info = registry.gauge("ksight_build_info",
                              "ksight build information; the value is always 1.", {"version"});
  info.set({version}, 1);
  // What the allocator holds, to tell the agent's own growth (in_use) from
  // freed memory malloc keeps (free): RSS alone cannot.
  auto& heap = registry.gauge("ksight_heap_bytes",
                              "The agent's malloc heap (glibc mallinfo2): in_use (allocated "
                              "blocks, mmapped ones included) and free (held by malloc, not "
                              "returned to the kernel).",
                              {"state"});
  registry.add_collector([&heap] {
    struct mallinfo2 mi = mallinfo2();
    heap.set({"in_use"}, static_cast<double>(mi.uordblks + mi.hblkhd));
    heap.set({"free"}, static_cast<double>(mi.fordblks));
  });
  registry.add_collector([&cpu, &rss, &vsize, &start, &fds] {
    auto s = read_self_stats();
    if (!s) return;
    cpu.set_total({}, s->cpu_seconds);
    rss.set({}, static_cast<double>(s->resident_bytes));
    vsize.set({}, static_cast<double>(s->virtual_bytes));
    start.set({}, s->start_time_seconds);
    fds.set({}, static_cast<double>(s->open_fds));
  });
}

}  // namespace ksight::metrics
