#include "cli/agent_profiling.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "agent/agent.h"
#include "agent/cpu_sampler.h"
#include "cli/agent_profile_types.h"
#include "cli/windowed_profile_source.h"
#include "common/error.h"
#include "export/profile_writer.h"
#include "store/cpu_window_feeder.h"
#include "store/store.h"
#include "symbolizer/elf_symbolizer.h"
#include "ui/profile_ui.h"
#include "unwind/stack_resolver.h"
#include "unwind/unwind_metrics.h"

namespace ksight::cli {

namespace {

symbolizer::SymbolizerOptions symbolizer_options(const agent::AgentConfig& config) {
  symbolizer::SymbolizerOptions options;
  options.lines = config.profiler_lines;
  // Parsed ELF/DWARF objects (LRU by estimated bytes): one cache for every
  // profile type, so off-CPU stacks of many binaries cannot grow it unbounded.
  options.max_object_bytes = size_t{config.profiler_symbol_cache_mib} << 20;
  return options;
}

}  // namespace

class AgentProfiling : public agent::ProfileProvider {
 public:
  explicit AgentProfiling(agent::Agent& agent)
      : agent_(agent),
        store_(store_options(agent.config())),
        symbolizer_(symbolizer::make_symbolizer(symbolizer_options(agent.config()))),
        ui_(store_) {}

  // The merged CPU windows that overlap the last `duration`. Windows are
  // whole (10 s by default), so a short request returns at least a window.
  profile::Profile cpu_profile(std::chrono::seconds duration) override {
    int64_t now = store::wall_clock_ns();
    store::TimeRange range{now - std::chrono::nanoseconds(duration).count(), now};
    auto selector = store::Selector::parse("{type=\"cpu\"}");
    if (store_.windows(selector, range).empty()) {
      throw Error("no CPU profile window recorded yet (one closes every " +
                  std::to_string(agent_.config().profiler_window.count()) + "s)");
    }
    return store_.query(selector, range);
  }

  store::Store& store() { return store_; }
  ui::ProfileUi& ui() { return ui_; }
  symbolizer::Symbolizer& symbolizer() { return *symbolizer_; }
  agent::Agent& agent() { return agent_; }

 private:
  agent::Agent& agent_;
  store::Store store_;
  std::unique_ptr<symbolizer::Symbolizer> symbolizer_;
  ui::ProfileUi ui_;
};

namespace {

// The sampler as an agent event source: samples go to the window feeder,
// windows close on consume/collect.
class CpuProfileSource : public agent::EventSource {
 public:
  CpuProfileSource(AgentProfiling& profiling, agent::SourceContext& context,
                   const agent::AgentConfig& config)
      : counters_(context.registry),
        frequency_(static_cast<int>(config.profiler_frequency)),
        unwind_mode_(
            unwind::parse_unwind_mode(config.profiler_unwind).value_or(unwind::UnwindMode::kAuto)),
        resolver_(unwinder_, unwind_mode_),
        unwind_metrics_(context.registry),
        feeder_(profiling.store(), profiling.symbolizer(), {config.profiler_window, frequency_},
                [&processes = context.processes](uint32_t pid, std::string_view) {
                  return process_labels(processes, pid);
                }) {}

  const char* name() const override { return "cpu_profile"; }
  void start() override {
    agent::CpuSamplerOptions options;
    options.frequency_hz = frequency_;
    // profiler.unwind: fp copies no stack (cheapest); auto and dwarf copy
    // the stack top for DWARF unwinding, as `ksight profile --unwind`.
    options.stack_copy_bytes =
        unwind_mode_ == unwind::UnwindMode::kFramePointer ? 0 : agent::kMaxStackCopyBytes;
    sampler_ = std::make_unique<agent::CpuSampler>(
        options, agent::kernel_features(), [this](const profile::StackSample& s) { add(s); });
  }
  void stop() override {
    if (sampler_) feeder_.flush();
    sampler_.reset();
  }
  int poll_fd() const override { return sampler_ ? sampler_->poll_fd() : -1; }
  int consume() override {
    if (!sampler_) return 0;
    sampler_->poll(0);
    feeder_.tick();
    return 0;
  }
  void collect() override {
    if (!sampler_) return;
    feeder_.tick();
    auto c = sampler_->counters();
    counters_.events.inc({name()}, static_cast<double>(c.samples - reported_.samples));
    counters_.lost.inc({name()}, static_cast<double>(c.lost() - reported_.lost()));
    reported_ = c;
    unwind_metrics_.publish(resolver_.stats(), unwinder_.approximate_bytes());
  }
  // Exited processes: their unwind sessions (Dwfl, mapped ELF files) go now
  // rather than waiting for eviction.
  void forget(const std::vector<uint32_t>& pids) override {
    for (uint32_t pid : pids) unwinder_.forget_process(pid);
  }

 private:
  void add(const profile::StackSample& s) {
    if (s.pid == 0) return feeder_.add(s);
    user_frames_ = resolver_.resolve(s);
    profile::StackSample resolved = s;  // spans: no copy of the stack bytes
    resolved.user_stack = user_frames_;
    feeder_.add(resolved);
  }

  agent::SourceCounters counters_;
  int frequency_;
  // Before the sampler: its sink uses them until it is destroyed.
  unwind::UnwindMode unwind_mode_;
  unwind::DwarfUnwinder unwinder_;
  unwind::StackResolver resolver_;
  unwind::UnwindMetrics unwind_metrics_;
  std::vector<uint64_t> user_frames_;
  store::CpuWindowFeeder feeder_;
  std::unique_ptr<agent::CpuSampler> sampler_;
  agent::CpuSamplerCounters reported_;
};

}  // namespace

store::Store& profiling_store(AgentProfiling& profiling) {
  return profiling.store();
}

symbolizer::Symbolizer& profiling_symbolizer(AgentProfiling& profiling) {
  return profiling.symbolizer();
}

std::shared_ptr<AgentProfiling> install_profiling(agent::Agent& agent) {
  // The factory and the routes share ownership, so the profiling state
  // lives exactly as long as the agent that holds them.
  auto profiling = std::make_shared<AgentProfiling>(agent);
  AgentProfiling* raw = profiling.get();
  agent.add_factory(
      {"profiler", [](const agent::AgentConfig& c) { return c.profiler; },
       [profiling, raw](agent::SourceContext& context, const agent::AgentConfig& config) {
         return std::make_unique<CpuProfileSource>(*raw, context, config);
       }});
  agent.http().add_routes([profiling](httplib::Server& server) { profiling->ui().install(server); },
                          [profiling](const httplib::Request& req, httplib::Response& res) {
                            profiling->ui().serve_index(req, res);
                          });
  // What the shared symbolizer holds, to see its bounds at work.
  auto& cache = agent.registry().gauge(
      "ksight_symbolizer_cache",
      "Profile symbolizer: objects (parsed ELF/DWARF files), object_bytes (their estimated "
      "bytes, capped by profiler.symbol_cache_mib), processes (address-space snapshots).",
      {"what"});
  agent.registry().add_collector([raw, &cache] {
    auto s = raw->symbolizer().stats();
    cache.set({"objects"}, static_cast<double>(s.elf_cache_entries));
    cache.set({"object_bytes"}, static_cast<double>(s.elf_cache_bytes));
    cache.set({"processes"}, static_cast<double>(s.processes));
  });
  agent.http().set_profile_provider(raw, [](const profile::Profile& p) {
    return exporter::write_profile_to_string(p, exporter::ProfileFormat::kPprof);
  });
  return profiling;
}

}  // namespace ksight::cli
