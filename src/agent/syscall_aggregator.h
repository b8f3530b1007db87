#pragma once
// Turns snapshots of the kernel's syscall maps into metric increments, with
// no kernel involved (unit-tested from synthetic snapshots):
//   counts (tgid, nr) → calls        ⇒ ksight_syscalls_total{syscall,comm,container_id}
//   hist  nr × log2(ns) slot → calls ⇒ ksight_syscall_duration_seconds{syscall}
// The kernel keeps running totals; this keeps the previous snapshot and adds
// the deltas, so metrics stay monotonic while exited processes' map entries
// are deleted. Deltas are applied heaviest first so the cardinality guard
// admits the busiest comms.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "metrics/registry.h"

namespace ksight::agent {

struct SyscallCount {
  uint32_t tgid = 0;
  uint32_t nr = 0;
  uint64_t calls = 0;
};

struct ProcessLabels {
  std::string comm;
  std::string container_id;  // "host" outside containers
};

class SyscallAggregator {
 public:
  using Resolver = std::function<ProcessLabels(uint32_t tgid)>;

  SyscallAggregator(metrics::Registry& registry, Resolver resolver);

  // Applies one snapshot of the counts map; returns the calls added.
  uint64_t apply_counts(const std::vector<SyscallCount>& snapshot);
  // Applies one snapshot of the per-syscall histogram: slots[nr * slots + i]
  // and sums[nr] (ns), each summed over CPUs. `scale`: the kernel timed 1
  // syscall in `scale`, so counts and sums are multiplied back.
  void apply_histogram(const std::vector<uint64_t>& slots, const std::vector<uint64_t>& sums,
                       uint32_t slots_per_syscall, uint32_t scale = 1);
  // The processes are gone and their kernel entries deleted: forget them.
  void forget(uint32_t tgid);

  // Bucket bounds of ksight_syscall_duration_seconds: 2^8 ns .. 2^30 ns.
  static std::vector<double> bucket_bounds();
  // Index into bucket_bounds() (+1 for +Inf) of kernel log2 slot i.
  static size_t bucket_of_slot(uint32_t slot);

 private:
  metrics::Counter& calls_;
  metrics::Histogram& duration_;
  Resolver resolver_;
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> prev_counts_;
  std::vector<uint64_t> prev_slots_;
  std::vector<uint64_t> prev_sums_;
};

}  // namespace ksight::agent
