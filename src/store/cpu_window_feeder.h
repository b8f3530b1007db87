#pragma once
// Feeds the store from the continuous CPU profiler: give add() to the
// sampler as its sink (agent::SampleSink) and call tick() from the agent loop.
// Samples collect in a CpuProfileBuilder for one window (10 s by default);
// when the window ends it is symbolized once and split by process into one
// series per (comm, pid), labelled type="cpu" plus whatever `labels_for`
// adds (container_id, pod_uid from the agent's process table).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "profile/cpu_profile_builder.h"
#include "store/store.h"

namespace ksight::store {

struct CpuWindowOptions {
  std::chrono::nanoseconds window = std::chrono::seconds(10);
  int frequency_hz = 19;  // the sampler's rate: sets the cpu/nanoseconds value per sample
};

// Extra series labels of a process (may return an empty map).
using ProcessLabels = std::function<Labels(uint32_t pid, std::string_view comm)>;
// Wall clock, Unix ns (injectable for tests).
using WallClock = std::function<int64_t()>;

int64_t wall_clock_ns();

class CpuWindowFeeder {
 public:
  CpuWindowFeeder(Store& store, symbolizer::Symbolizer& symbolizer, CpuWindowOptions options,
                  ProcessLabels labels_for = {}, WallClock clock = wall_clock_ns);

  void add(const profile::StackSample& sample);
  // Closes the window when it is due; returns the number of series written.
  size_t tick();
  // Closes the current window now (agent shutdown).
  size_t flush();
  uint64_t windows_written() const { return windows_written_; }

 private:
  size_t close_window(int64_t end_ns);

  Store& store_;
  symbolizer::Symbolizer& symbolizer_;
  CpuWindowOptions options_;
  ProcessLabels labels_for_;
  WallClock clock_;
  std::unique_ptr<profile::CpuProfileBuilder> builder_;
  int64_t window_start_ns_ = 0;
  uint64_t windows_written_ = 0;
};

// One profile per (comm, pid) label pair of `profile`'s samples, each with
// only the mappings and locations its samples use.
std::vector<std::pair<std::pair<std::string, int64_t>, profile::Profile>> split_by_process(
    const profile::Profile& profile);

}  // namespace ksight::store
