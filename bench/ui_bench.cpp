// UI query latency over one hour of stored CPU windows (issue 8): 10 s
// windows for `processes` processes; each window holds 120 stacks drawn from
// the process's 600 distinct stacks (depth 8-24, 3000 functions per binary:
// programs repeat their stacks), or with `worst` every stack is new (43 200
// distinct stacks per process-hour, the tree has ~600 000 nodes). Measures the
// store query (merge) alone and the whole /api/v1/profile answer (merge +
// flame tree + top table + JSON), for all processes and for one.
#include <benchmark/benchmark.h>

#include <random>

#include "store/store.h"
#include "ui/flame_json.h"

namespace {

using namespace ksight;

constexpr int64_t kSec = 1000000000;
constexpr int64_t kHourStart = int64_t{1700000000} * kSec;

std::vector<std::vector<int>> stack_pool(int64_t pid) {
  std::mt19937 rng(static_cast<uint32_t>(pid));
  std::uniform_int_distribution<int> fn(0, 2999), depth(8, 24);
  std::vector<std::vector<int>> pool(600);
  for (auto& stack : pool) {
    int d = depth(rng);
    for (int i = 0; i < d; ++i) stack.push_back(i < 4 ? i : fn(rng));
  }
  return pool;
}

bool g_worst = false;

profile::Profile random_window(std::mt19937& rng, const std::string& comm, int64_t pid) {
  static std::map<int64_t, std::vector<std::vector<int>>> pools;
  auto& pool = pools.try_emplace(pid, stack_pool(pid)).first->second;
  std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
  profile::Profile p;
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.period_type = {"cpu", "nanoseconds"};
  p.period = 1000000000 / 19;
  p.mappings.push_back({1, 0x400000, 0x900000, 0, "/usr/bin/" + comm, "abc", false, true});
  std::uniform_int_distribution<int> fn(0, 2999), depth(8, 24), count(1, 6);
  std::map<int, uint64_t> ids;
  auto location = [&](int f) {
    auto [it, fresh] = ids.emplace(f, p.locations.size() + 1);
    if (fresh) {
      std::string name = "ns::Class" + std::to_string(f % 97) + "::method_" + std::to_string(f);
      p.locations.push_back({it->second, 1, 0x400000 + uint64_t(f) * 64, {{name, name, "", 0}}});
    }
    return it->second;
  };
  for (int s = 0; s < 120; ++s) {
    profile::Sample sample;
    if (g_worst) {
      int d = depth(rng);
      // Shared roots so the tree has the usual shape: wide at the top.
      for (int i = 0; i < d; ++i) sample.location_ids.push_back(location(i < 4 ? i : fn(rng)));
    } else {
      for (int f : pool[pick(rng)]) sample.location_ids.push_back(location(f));
    }
    std::reverse(sample.location_ids.begin(), sample.location_ids.end());
    int c = count(rng);
    sample.values = {c, c * p.period};
    sample.labels.push_back({"comm", comm, 0, "", false});
    sample.labels.push_back({"pid", "", pid, "", true});
    p.samples.push_back(std::move(sample));
  }
  return p;
}

store::Store& hour_store(int processes, bool worst = false) {
  static std::map<std::pair<int, bool>, std::unique_ptr<store::Store>> stores;
  auto& s = stores[{processes, worst}];
  if (s) return *s;
  g_worst = worst;
  s = std::make_unique<store::Store>(store::StoreOptions{size_t{4} << 30, "", 0});
  std::mt19937 rng(42);
  for (int w = 0; w < 360; ++w) {
    int64_t t = kHourStart + w * 10 * kSec;
    for (int p = 0; p < processes; ++p) {
      std::string comm = "proc" + std::to_string(p);
      s->add_window({{"comm", comm}, {"pid", std::to_string(1000 + p)}, {"type", "cpu"}},
                    random_window(rng, comm, 1000 + p), t, t + 10 * kSec);
    }
  }
  return *s;
}

void BM_StoreQueryHour(benchmark::State& state) {
  auto& s = hour_store(static_cast<int>(state.range(0)));
  store::TimeRange hour{kHourStart, kHourStart + 3600 * kSec};
  for (auto _ : state) benchmark::DoNotOptimize(s.query({}, hour));
  state.counters["windows"] = static_cast<double>(s.stats().windows);
  state.counters["memory_MiB"] = static_cast<double>(s.stats().memory_bytes) / (1 << 20);
}
BENCHMARK(BM_StoreQueryHour)->Arg(1)->Arg(10)->Unit(benchmark::kMillisecond);

void BM_ProfileApiHour(benchmark::State& state) {
  auto& s = hour_store(static_cast<int>(state.range(0)), state.range(2) != 0);
  store::TimeRange hour{kHourStart, kHourStart + 3600 * kSec};
  auto selector = state.range(1) ? store::Selector::parse("comm=proc0") : store::Selector{};
  size_t bytes = 0;
  for (auto _ : state) {
    auto merged = s.query(selector, hour);
    bytes = ui::profile_json(merged, {}).dump().size();
  }
  state.counters["json_KiB"] = static_cast<double>(bytes) / 1024;
}
// Args: processes, one process selected, worst-case stacks.
BENCHMARK(BM_ProfileApiHour)
    ->Args({1, 0, 0})
    ->Args({10, 0, 0})
    ->Args({10, 1, 0})
    ->Args({1, 0, 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
