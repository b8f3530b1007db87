#include "cli/windowed_profile_source.h"

#include <chrono>
#include <string>

#include "agent/agent_config.h"
#include "agent/process_table.h"
#include "cli/agent_profiling.h"
#include "store/cpu_window_feeder.h"

namespace ksight::cli {

store::Labels process_labels(agent::ProcessTable& processes, uint32_t pid) {
  store::Labels labels;
  if (auto info = processes.lookup(pid)) {
    labels["container_id"] =
        info->container.in_container() ? info->container.id.substr(0, 12) : "host";
    if (!info->container.pod_uid.empty()) labels["pod_uid"] = info->container.pod_uid;
  }
  return labels;
}

WindowedProfileSource::WindowedProfileSource(AgentProfiling& profiling,
                                             agent::SourceContext& context,
                                             const agent::AgentConfig& config, const char* name,
                                             const char* type)
    : store_(profiling_store(profiling)),
      symbolizer_(profiling_symbolizer(profiling)),
      processes_(context.processes),
      counters_(context.registry),
      window_ns_(std::chrono::nanoseconds(config.profiler_window).count()),
      name_(name),
      type_(type) {}

void WindowedProfileSource::start() {
  attach();
  window_start_ns_ = store::wall_clock_ns();
}

void WindowedProfileSource::stop() {
  if (attached()) close_window(store::wall_clock_ns());
  detach();
}

void WindowedProfileSource::collect() {
  if (!attached()) return;
  int64_t now = store::wall_clock_ns();
  if (now - window_start_ns_ >= window_ns_) close_window(now);
  uint64_t lost = lost_total();
  counters_.lost.inc({name_}, static_cast<double>(lost - reported_lost_));
  reported_lost_ = lost;
}

void WindowedProfileSource::close_window(int64_t end_ns) {
  int64_t start = window_start_ns_;
  window_start_ns_ = end_ns;
  profile::Profile whole = take(start, end_ns);
  window_closed();
  double events = 0;
  for (const auto& s : whole.samples) events += s.values.empty() ? 0 : s.values[0];
  counters_.events.inc({name_}, events);
  if (whole.samples.empty()) return;
  for (auto& [key, part] : store::split_by_process(whole)) {
    store::Labels labels = process_labels(processes_, static_cast<uint32_t>(key.second));
    labels["comm"] = key.first;
    labels["pid"] = std::to_string(key.second);
    labels[store::kTypeLabel] = type_;
    store_.add_window(labels, std::move(part), start, end_ns);
  }
}

}  // namespace ksight::cli
