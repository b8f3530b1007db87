// Symbolization throughput, addresses per second (items_per_second), on real
// binaries: libc and this program, as mapped in this very process.
//   *Cold: a fresh symbolizer per iteration (maps, ELF, DWARF all read anew)
//   *Warm: one symbolizer, the same addresses again (objects and memo cached)
//   *WarmNoMemo: objects cached, every address looked up again
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "symbolizer/elf_symbolizer.h"
#include "symbolizer/kallsyms.h"
#include "symbolizer/proc_maps.h"

namespace sym = ksight::symbolizer;

namespace {

// `count` addresses spread over the executable mappings of the file whose
// path contains `needle`.
std::vector<uint64_t> text_addresses(const std::string& needle, size_t count) {
  std::ifstream maps("/proc/self/maps");
  std::vector<sym::MapsEntry> text;
  for (std::string line; std::getline(maps, line);) {
    auto e = sym::parse_maps_line(line);
    if (e && e->executable && e->path.find(needle) != std::string::npos) text.push_back(*e);
  }
  std::vector<uint64_t> out;
  if (text.empty()) return out;
  std::mt19937_64 random(42);
  for (size_t i = 0; i < count; ++i) {
    const auto& e = text[i % text.size()];
    out.push_back(e.start + random() % (e.limit - e.start));
  }
  return out;
}

std::string self_name() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "symbolizer_bench";
  std::string s(path, n);
  return s.substr(s.rfind('/') + 1);
}

sym::SymbolizerOptions bench_options(size_t memo = 16384) {
  sym::SymbolizerOptions options;
  options.debuginfod = false;
  options.memo_per_object = memo;
  return options;
}

void run_cold(benchmark::State& state, const std::vector<uint64_t>& addresses) {
  if (addresses.empty()) state.SkipWithError("no addresses");
  for (auto _ : state) {
    auto s = sym::make_symbolizer(bench_options());
    benchmark::DoNotOptimize(s->symbolize_user(getpid(), addresses));
  }
  state.SetItemsProcessed(state.iterations() * addresses.size());
}

void run_warm(benchmark::State& state, const std::vector<uint64_t>& addresses, size_t memo) {
  if (addresses.empty()) state.SkipWithError("no addresses");
  auto s = sym::make_symbolizer(bench_options(memo));
  s->symbolize_user(getpid(), addresses);
  for (auto _ : state) benchmark::DoNotOptimize(s->symbolize_user(getpid(), addresses));
  state.SetItemsProcessed(state.iterations() * addresses.size());
  auto stats = s->stats();
  state.counters["unknown_share"] = double(stats.unknown) / double(stats.addresses);
}

void BM_LibcCold(benchmark::State& state) {
  run_cold(state, text_addresses("libc.so", 4096));
}
void BM_LibcWarm(benchmark::State& state) {
  run_warm(state, text_addresses("libc.so", 4096), 16384);
}
void BM_LibcWarmNoMemo(benchmark::State& state) {
  run_warm(state, text_addresses("libc.so", 4096), 0);
}
// This program has DWARF (RelWithDebInfo): lines and inline frames via libdw.
void BM_DwarfCold(benchmark::State& state) {
  run_cold(state, text_addresses(self_name(), 4096));
}
void BM_DwarfWarm(benchmark::State& state) {
  run_warm(state, text_addresses(self_name(), 4096), 16384);
}
void BM_DwarfWarmNoMemo(benchmark::State& state) {
  run_warm(state, text_addresses(self_name(), 4096), 0);
}

std::vector<uint64_t> kernel_addresses(size_t count) {
  auto text = sym::read_text_file("/proc/kallsyms");
  if (!text) return {};
  auto table = sym::KallsymsTable::parse(*text);
  std::vector<uint64_t> out;
  for (const auto& r : table.regions()) {
    if (!r.name.empty() || r.limit <= r.start) continue;
    std::mt19937_64 random(7);
    for (size_t i = 0; i < count; ++i) out.push_back(r.start + random() % (r.limit - r.start));
  }
  return out;
}

void BM_KernelCold(benchmark::State& state) {
  auto addresses = kernel_addresses(4096);
  if (addresses.empty()) state.SkipWithError("kallsyms unreadable or hidden");
  for (auto _ : state) {
    auto s = sym::make_symbolizer(bench_options());
    benchmark::DoNotOptimize(s->symbolize_kernel(addresses));
  }
  state.SetItemsProcessed(state.iterations() * addresses.size());
}

void BM_KernelWarm(benchmark::State& state) {
  auto addresses = kernel_addresses(4096);
  if (addresses.empty()) state.SkipWithError("kallsyms unreadable or hidden");
  auto s = sym::make_symbolizer(bench_options());
  s->symbolize_kernel(addresses);
  for (auto _ : state) benchmark::DoNotOptimize(s->symbolize_kernel(addresses));
  state.SetItemsProcessed(state.iterations() * addresses.size());
}

// What the profiler pays at the first sample of a new pid: reading maps,
// opening and parsing every mapped ELF (cold), or only fstat()ing them when
// the objects are already cached (a new pid of a known program).
void BM_ObserveCold(benchmark::State& state) {
  for (auto _ : state) {
    auto s = sym::make_symbolizer(bench_options());
    s->observe_process(getpid());
  }
}

void BM_ObserveWarm(benchmark::State& state) {
  auto s = sym::make_symbolizer(bench_options());
  s->observe_process(getpid());
  for (auto _ : state) {
    s->forget_process(getpid());
    s->observe_process(getpid());
  }
}

// `ksight profile --all` on this machine: observe every process, then name
// one address in each executable mapping of each.
void BM_AllProcessesCold(benchmark::State& state) {
  std::vector<uint32_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (std::all_of(name.begin(), name.end(), ::isdigit)) pids.push_back(std::stoul(name));
  }
  uint64_t addresses = 0;
  sym::SymbolizerStats stats;
  for (auto _ : state) {
    auto s = sym::make_symbolizer(bench_options());
    for (uint32_t pid : pids) s->observe_process(pid);
    for (uint32_t pid : pids) {
      std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
      std::vector<uint64_t> sample;
      for (std::string line; std::getline(maps, line);) {
        auto e = sym::parse_maps_line(line);
        if (e && e->executable) sample.push_back(e->start + (e->limit - e->start) / 2);
      }
      addresses += s->symbolize_user(pid, sample).size();
    }
    stats = s->stats();
  }
  state.SetItemsProcessed(addresses);
  state.counters["processes"] = pids.size();
  state.counters["objects"] = stats.elf_cache_entries;
  state.counters["unknown_share"] =
      double(stats.unknown) / double(std::max<uint64_t>(1, stats.addresses));
  state.counters["elf_errors"] = stats.elf_errors;
}

}  // namespace

BENCHMARK(BM_AllProcessesCold)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ObserveCold)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ObserveWarm)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LibcCold)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LibcWarm)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LibcWarmNoMemo)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DwarfCold)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DwarfWarm)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DwarfWarmNoMemo)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_KernelCold)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KernelWarm)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
