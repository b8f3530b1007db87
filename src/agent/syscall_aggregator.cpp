#include "agent/syscall_aggregator.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "agent/syscall_names.h"

namespace ksight::agent {

namespace {
constexpr uint32_t kFirstBoundLog2 = 8;  // 256 ns
constexpr uint32_t kLastBoundLog2 = 30;  // ~1.07 s
}  // namespace

SyscallAggregator::SyscallAggregator(metrics::Registry& registry, Resolver resolver)
    : calls_(registry.counter("ksight_syscalls_total",
                              "System calls by syscall, process name and container.",
                              {"syscall", "comm", "container_id"})),
      duration_(registry.histogram("ksight_syscall_duration_seconds",
                                   "System call latency (sys_enter to sys_exit) by syscall.",
                                   {"syscall"}, bucket_bounds())),
      resolver_(std::move(resolver)) {}

std::vector<double> SyscallAggregator::bucket_bounds() {
  std::vector<double> bounds;
  for (uint32_t k = kFirstBoundLog2; k <= kLastBoundLog2; ++k) {
    bounds.push_back(std::ldexp(1.0, static_cast<int>(k)) / 1e9);
  }
  return bounds;
}

size_t SyscallAggregator::bucket_of_slot(uint32_t slot) {
  // Slot i holds [2^i, 2^(i+1)) ns: every value is <= 2^(i+1).
  uint32_t upper = slot + 1;
  if (upper <= kFirstBoundLog2) return 0;
  if (upper > kLastBoundLog2) return kLastBoundLog2 - kFirstBoundLog2 + 1;  // +Inf
  return upper - kFirstBoundLog2;
}

uint64_t SyscallAggregator::apply_counts(const std::vector<SyscallCount>& snapshot) {
  using Labels = std::tuple<std::string, std::string, std::string>;
  std::map<Labels, uint64_t> deltas;
  std::map<uint32_t, ProcessLabels> resolved;
  uint64_t total = 0;
  for (const auto& c : snapshot) {
    uint64_t& prev = prev_counts_[{c.tgid, c.nr}];
    uint64_t delta = c.calls >= prev ? c.calls - prev : c.calls;  // entry recreated
    prev = c.calls;
    if (delta == 0) continue;
    auto it = resolved.find(c.tgid);
    if (it == resolved.end()) it = resolved.emplace(c.tgid, resolver_(c.tgid)).first;
    deltas[{syscall_name(c.nr), it->second.comm, it->second.container_id}] += delta;
    total += delta;
  }
  std::vector<std::pair<uint64_t, const Labels*>> order;
  for (const auto& [labels, delta] : deltas) order.push_back({delta, &labels});
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [delta, labels] : order) {
    const auto& [syscall, comm, container] = *labels;
    calls_.inc({syscall, comm, container}, static_cast<double>(delta));
  }
  return total;
}

void SyscallAggregator::apply_histogram(const std::vector<uint64_t>& slots,
                                        const std::vector<uint64_t>& sums,
                                        uint32_t slots_per_syscall, uint32_t scale) {
  prev_slots_.resize(slots.size(), 0);
  prev_sums_.resize(sums.size(), 0);
  size_t buckets = bucket_bounds().size() + 1;
  for (uint32_t nr = 0; nr < sums.size(); ++nr) {
    std::vector<uint64_t> counts(buckets, 0);
    uint64_t observed = 0;
    for (uint32_t i = 0; i < slots_per_syscall; ++i) {
      size_t idx = static_cast<size_t>(nr) * slots_per_syscall + i;
      if (idx >= slots.size()) break;
      uint64_t delta = slots[idx] >= prev_slots_[idx] ? slots[idx] - prev_slots_[idx] : 0;
      prev_slots_[idx] = slots[idx];
      counts[bucket_of_slot(i)] += delta * scale;
      observed += delta;
    }
    uint64_t sum_ns = sums[nr] >= prev_sums_[nr] ? sums[nr] - prev_sums_[nr] : 0;
    prev_sums_[nr] = sums[nr];
    if (observed == 0) continue;
    duration_.add_buckets({syscall_name(nr)}, counts, static_cast<double>(sum_ns) * scale / 1e9);
  }
}

void SyscallAggregator::forget(uint32_t tgid) {
  auto it = prev_counts_.lower_bound({tgid, 0});
  while (it != prev_counts_.end() && it->first.first == tgid) it = prev_counts_.erase(it);
}

}  // namespace ksight::agent
