#pragma once
// Aggregates raw stack samples into a symbolized profile::Profile.
//
// Samples are counted by (pid, comm, kernel stack, user stack) as they
// arrive; symbolization happens once per distinct address at build() time,
// in one batch per process. The process's maps are captured at its first
// sample (Symbolizer::observe_process) so processes that exit before the
// profile ends are still symbolized.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "profile/profile.h"
#include "profile/stack_sample.h"
#include "symbolizer/symbolizer.h"

namespace ksight::profile {

struct CpuProfileOptions {
  int frequency_hz = 99;  // sets the period: one sample stands for 1e9/frequency ns of CPU
};

class CpuProfileBuilder {
 public:
  CpuProfileBuilder(symbolizer::Symbolizer& symbolizer, const CpuProfileOptions& options);

  void add(const StackSample& sample);
  // Symbolizes and returns the profile of everything added so far.
  Profile build(int64_t time_nanos, int64_t duration_nanos);

  uint64_t samples() const { return samples_; }
  size_t distinct_stacks() const { return counts_.size(); }

 private:
  struct StackKey {
    uint32_t pid = 0;
    std::string comm;
    std::vector<uint64_t> kernel;
    std::vector<uint64_t> user;
    bool operator==(const StackKey&) const = default;
  };
  struct StackKeyHash {
    size_t operator()(const StackKey& key) const;
  };

  symbolizer::Symbolizer& symbolizer_;
  CpuProfileOptions options_;
  std::unordered_map<StackKey, uint64_t, StackKeyHash> counts_;
  std::unordered_map<uint32_t, bool> observed_pids_;
  uint64_t samples_ = 0;
};

}  // namespace ksight::profile
