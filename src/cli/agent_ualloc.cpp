#include "cli/agent_ualloc.h"

#include <spdlog/spdlog.h>

#include <set>

#include "agent/agent_config.h"
#include "agent/feature_probe.h"
#include "agent/process_table.h"
#include "agent/ualloc_profiler.h"
#include "agent/ualloc_targets.h"
#include "cli/windowed_profile_source.h"
#include "symbolizer/symbolizer.h"

namespace ksight::cli {

namespace {

class UserAllocSource : public WindowedProfileSource {
 public:
  UserAllocSource(AgentProfiling& profiling, agent::SourceContext& context,
                  const agent::AgentConfig& config)
      : WindowedProfileSource(profiling, context, config, "ualloc_profile", "ualloc"),
        targets_(agent::parse_ualloc_targets(config.profiler_ualloc_comm,
                                             config.profiler_ualloc_pids,
                                             config.profiler_ualloc_max_processes)),
        sample_bytes_(config.profiler_ualloc_sample_bytes),
        lost_(context.registry.counter(
            "ksight_ualloc_lost_total",
            "User allocation samples lost, by reason: keys_full (counts map full, not "
            "recorded), live_full (recorded, free not matched: stays in inuse_*), no_stack "
            "(recorded without a stack), missed_return (an allocator call whose return probe "
            "never ran).",
            {"reason"})),
        attaches_(context.registry.counter(
            "ksight_ualloc_attach_total",
            "Processes matching profiler.ualloc_comm/pids, by result: attached, failed (no "
            "libc, gone, probes refused) or over_limit (profiler.ualloc_max_processes reached; "
            "attached later if room appears).",
            {"result"})),
        probed_(context.registry.gauge("ksight_ualloc_processes",
                                       "Processes whose allocator is probed now.")),
        pruned_(context.registry.counter(
            "ksight_ualloc_pruned_total",
            "Kernel map entries the user allocation profiler deleted: keys (of exited "
            "processes, or idle for a window), live (pointers of exited processes), stacks.",
            {"what"})) {
    if (!config.process && !config.profiler_ualloc_comm.empty()) {
      spdlog::warn(
          "profiler.ualloc_comm: sources.process is off, so processes that start after the "
          "agent are not seen (only those in /proc at start)");
    }
  }

  void collect() override {
    if (attached()) attach_new();
    WindowedProfileSource::collect();
    auto s = targets_.stats();
    probed_.set({}, static_cast<double>(s.attached));
    attaches_.set_total({"attached"}, static_cast<double>(s.attaches));
    attaches_.set_total({"failed"}, static_cast<double>(s.failures));
    attaches_.set_total({"over_limit"}, static_cast<double>(s.over_limit));
  }

  // Exited processes lose their probes now; their kernel map entries go
  // after the next window has read their last counts (window_closed).
  void forget(const std::vector<uint32_t>& pids) override {
    if (!attached()) return;
    for (uint32_t pid : targets_.exited(pids)) {
      profiler_->detach_process(pid);
      gone_.insert(pid);
    }
  }

 protected:
  void attach() override {
    profiler_ = std::make_unique<agent::UserAllocProfiler>(
        agent::UserAllocOptions{0, sample_bytes_, 0}, agent::kernel_features());
    attach_new();
  }
  void detach() override { profiler_.reset(); }
  bool attached() const override { return profiler_ != nullptr; }
  profile::Profile take(int64_t start_ns, int64_t end_ns) override {
    return agent::build_user_alloc_profile(profiler_->drain(), symbolizer(), profiler_->rate(),
                                           start_ns, end_ns - start_ns);
  }
  void window_closed() override {
    auto p = profiler_->prune(gone_);
    gone_.clear();
    pruned_.inc({"keys"}, static_cast<double>(p.keys));
    pruned_.inc({"live"}, static_cast<double>(p.live));
    pruned_.inc({"stacks"}, static_cast<double>(p.stacks));
  }
  uint64_t lost_total() const override {
    auto c = profiler_->counters();
    lost_.set_total({"keys_full"}, static_cast<double>(c.lost_keys_full));
    lost_.set_total({"live_full"}, static_cast<double>(c.lost_live_full));
    lost_.set_total({"no_stack"}, static_cast<double>(c.stack_errors));
    lost_.set_total({"missed_return"}, static_cast<double>(c.missed_returns));
    return c.lost_keys_full + c.lost_live_full + c.stack_errors + c.missed_returns;
  }

 private:
  // Matching processes not probed yet: the ones that started since the
  // last collect (the process table follows exec), or were skipped for room.
  void attach_new() {
    std::vector<agent::UallocCandidate> live;
    processes().for_each_live([&](const agent::ProcessInfo& p) {
      agent::UallocCandidate c{p.pid, p.start_ticks, p.comm};
      if (targets_.wants(c)) live.push_back(std::move(c));
    });
    for (const auto& c : targets_.to_attach(live)) {
      try {
        profiler_->attach_process(c.pid);
        targets_.attached(c);
        symbolizer().observe_process(c.pid);  // its maps, while it is alive
        spdlog::info("user allocations: probing {} ({}): {} probes", c.comm, c.pid,
                     profiler_->attached().size());
      } catch (const std::exception& e) {
        targets_.failed(c);
        spdlog::warn("user allocations: cannot probe {} ({}): {}", c.comm, c.pid, e.what());
      }
    }
  }

  agent::UallocTargets targets_;
  uint64_t sample_bytes_;
  metrics::Counter& lost_;
  metrics::Counter& attaches_;
  metrics::Gauge& probed_;
  metrics::Counter& pruned_;
  std::unique_ptr<agent::UserAllocProfiler> profiler_;
  std::set<uint32_t> gone_;
};

}  // namespace

std::unique_ptr<agent::EventSource> make_ualloc_source(AgentProfiling& profiling,
                                                       agent::SourceContext& context,
                                                       const agent::AgentConfig& config) {
  return std::make_unique<UserAllocSource>(profiling, context, config);
}

}  // namespace ksight::cli
