// Memory and time of the unwinder's per-process state (src/unwind): one
// libdwfl session per process with every executable ELF file reported at its
// load address, built for every process on the machine (up to 256), measured
// against the bytes of the files those processes map executable. Reported as
// counters: heap and anonymous RSS per 100 MB of mapped files. The files
// themselves are mmapped by libelf (page cache shared with the processes),
// so they show as file RSS, not as the agent's memory.
//   build/bench/unwind_bench [--benchmark_repetitions=3]
// CFI caches grow further with the distinct FDEs unwinding hits
// (bench/unwind_vs_perf.sh reports the unwinder's state after real samples).
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "unwind/dwarf_unwinder.h"

namespace {

std::vector<uint32_t> other_processes(size_t limit) {
  std::vector<uint32_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    uint32_t pid = static_cast<uint32_t>(std::stoul(name));
    if (pid != static_cast<uint32_t>(getpid()) && pids.size() < limit) pids.push_back(pid);
  }
  return pids;
}

// Bytes of the distinct files each process maps executable, summed over the
// processes (each session reports its own modules).
uint64_t executable_file_bytes(const std::vector<uint32_t>& pids) {
  uint64_t total = 0;
  for (uint32_t pid : pids) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::set<std::string> files;
    std::string line;
    while (std::getline(maps, line)) {
      std::istringstream in(line);
      std::string range, perms, offset, dev, inode, path;
      in >> range >> perms >> offset >> dev >> inode >> path;
      if (perms.size() > 2 && perms[2] == 'x' && !path.empty() && path[0] == '/')
        files.insert(path);
    }
    for (const auto& f : files) {
      struct stat st {};
      if (stat(("/proc/" + std::to_string(pid) + "/root" + f).c_str(), &st) == 0)
        total += st.st_size;
    }
  }
  return total;
}

long rss_anon_kb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "RssAnon:") {
      status >> value;
      return value;
    }
    status.ignore(4096, '\n');
  }
  return 0;
}

void BM_ObserveEveryProcess(benchmark::State& state) {
  auto pids = other_processes(256);
  const double mapped_mb = static_cast<double>(executable_file_bytes(pids)) / (1 << 20);
  double heap_mb = 0, anon_mb = 0, estimate_mb = 0;
  for (auto _ : state) {
    state.PauseTiming();
    malloc_trim(0);
    size_t heap0 = mallinfo2().uordblks;
    long anon0 = rss_anon_kb();
    state.ResumeTiming();
    {
      ksight::unwind::DwarfUnwinder unwinder;
      for (uint32_t pid : pids) unwinder.observe_process(pid);
      state.PauseTiming();
      heap_mb = static_cast<double>(mallinfo2().uordblks - heap0) / (1 << 20);
      anon_mb = static_cast<double>(rss_anon_kb() - anon0) / 1024;
      estimate_mb = static_cast<double>(unwinder.approximate_bytes()) / (1 << 20);
      state.ResumeTiming();
    }
  }
  state.counters["processes"] = static_cast<double>(pids.size());
  state.counters["mapped_MB"] = mapped_mb;
  state.counters["heap_MB_per_100MB"] = mapped_mb > 0 ? heap_mb * 100 / mapped_mb : 0;
  state.counters["anon_MB_per_100MB"] = mapped_mb > 0 ? anon_mb * 100 / mapped_mb : 0;
  state.counters["estimate_MB_per_100MB"] = mapped_mb > 0 ? estimate_mb * 100 / mapped_mb : 0;
  state.counters["time_per_process"] = benchmark::Counter(
      static_cast<double>(pids.size()),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ObserveEveryProcess)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
