#include "cli/agent_profile_types.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>

#include "agent/agent.h"
#include "agent/alloc_profiler.h"
#include "agent/feature_probe.h"
#include "agent/offcpu_profiler.h"
#include "agent/process_table.h"
#include "cli/agent_profiling.h"
#include "cli/agent_ualloc.h"
#include "cli/windowed_profile_source.h"
#include "common/error.h"
#include "common/string_list.h"
#include "export/profile_writer.h"
#include "store/cpu_window_feeder.h"
#include "store/pyroscope_push.h"

namespace ksight::cli {

store::StoreOptions store_options(const agent::AgentConfig& config) {
  store::StoreOptions o;
  o.memory_bytes = size_t{config.store_memory_mib} << 20;
  o.spill_dir = config.store_spill_dir;
  o.disk_bytes = uint64_t{config.store_disk_mib} << 20;
  o.retention_ns = std::chrono::nanoseconds(config.store_retention).count();
  return o;
}

store::Labels parse_label_list(const std::string& text) {
  store::Labels labels;
  for (const auto& item : split_list(text)) {
    auto eq = item.find('=');
    if (eq != std::string::npos && eq > 0) labels[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return labels;
}

namespace {

class OffCpuSource : public WindowedProfileSource {
 public:
  OffCpuSource(AgentProfiling& profiling, agent::SourceContext& context,
               const agent::AgentConfig& config)
      : WindowedProfileSource(profiling, context, config, "offcpu_profile", "offcpu"),
        min_ns_(std::chrono::nanoseconds(config.profiler_offcpu_min_block).count()) {}

 protected:
  void attach() override {
    agent::OffCpuOptions options;
    options.min_ns = static_cast<uint64_t>(min_ns_);
    profiler_ = std::make_unique<agent::OffCpuProfiler>(options, agent::kernel_features());
  }
  void detach() override { profiler_.reset(); }
  bool attached() const override { return profiler_ != nullptr; }
  profile::Profile take(int64_t start_ns, int64_t end_ns) override {
    return agent::build_offcpu_profile(profiler_->drain(), symbolizer(), start_ns,
                                       end_ns - start_ns);
  }
  uint64_t lost_total() const override {
    auto c = profiler_->counters();
    return c.lost_threads_full + c.lost_keys_full + c.stack_errors;
  }

 private:
  int64_t min_ns_;
  std::unique_ptr<agent::OffCpuProfiler> profiler_;
};

class KernelAllocSource : public WindowedProfileSource {
 public:
  KernelAllocSource(AgentProfiling& profiling, agent::SourceContext& context,
                    const agent::AgentConfig& config)
      : WindowedProfileSource(profiling, context, config, "kalloc_profile", "kalloc"),
        sample_bytes_(config.profiler_kalloc_sample_bytes),
        ring_bytes_(context.ring_buffer_bytes),
        lost_(context.registry.counter(
            "ksight_kalloc_lost_total",
            "Kernel allocation samples lost, by reason: ringbuf_full (not recorded), "
            "live_full (recorded, free not matched: not in inuse_*), no_stack (recorded "
            "without a stack), decode (bad record), recursion (tracepoint hits the kernel "
            "skipped while a BPF program ran on that CPU).",
            {"reason"})) {}

  int poll_fd() const override { return profiler_ ? profiler_->poll_fd() : -1; }
  int consume() override { return profiler_ ? profiler_->consume() : 0; }

 protected:
  void attach() override {
    agent::KernelAllocOptions options;
    options.sample_bytes = sample_bytes_;
    options.ring_bytes = ring_bytes_;
    profiler_ = std::make_unique<agent::KernelAllocProfiler>(options, agent::kernel_features());
  }
  void detach() override { profiler_.reset(); }
  bool attached() const override { return profiler_ != nullptr; }
  profile::Profile take(int64_t start_ns, int64_t end_ns) override {
    return agent::build_kernel_alloc_profile(profiler_->drain(), symbolizer(), profiler_->rate(),
                                             start_ns, end_ns - start_ns);
  }
  uint64_t lost_total() const override {
    auto c = profiler_->counters();
    lost_.set_total({"ringbuf_full"}, static_cast<double>(c.lost_ringbuf_full));
    lost_.set_total({"live_full"}, static_cast<double>(c.lost_live_full));
    lost_.set_total({"no_stack"}, static_cast<double>(c.stack_errors));
    lost_.set_total({"decode"}, static_cast<double>(c.decode_errors));
    lost_.set_total({"recursion"}, static_cast<double>(c.recursion_misses));
    return c.lost_total();
  }

 private:
  uint64_t sample_bytes_;
  uint32_t ring_bytes_;
  metrics::Counter& lost_;
  std::unique_ptr<agent::KernelAllocProfiler> profiler_;
};

// GET /debug/pprof/<route>?seconds=N: the merged windows of one type that
// overlap the last N seconds (30 by default, as Go's handlers).
void add_pprof_route(httplib::Server& server, std::shared_ptr<AgentProfiling> profiling,
                     const std::string& route, const std::string& type, const char* key) {
  server.Get("/debug/pprof/" + route, [profiling, route, type, key](const httplib::Request& req,
                                                                    httplib::Response& res) {
    store::Store& store = profiling_store(*profiling);
    long seconds = 30;
    if (req.has_param("seconds")) {
      std::string s = req.get_param_value("seconds");
      char* end = nullptr;
      seconds = std::strtol(s.c_str(), &end, 10);
      if (s.empty() || *end || seconds < 1 || seconds > 86400) {
        res.status = 400;
        res.set_content("seconds must be a whole number from 1 to 86400\n", "text/plain");
        return;
      }
    }
    int64_t now = store::wall_clock_ns();
    store::TimeRange range{now - seconds * 1000000000LL, now};
    auto selector = store::Selector::parse("{type=\"" + type + "\"}");
    if (store.windows(selector, range).empty()) {
      res.status = 503;
      res.set_content("no " + type + " profile window in the last " + std::to_string(seconds) +
                          "s (is " + key + " on? one window closes every profiler.window)\n",
                      "text/plain");
      return;
    }
    auto body = exporter::write_profile_to_string(store.query(selector, range),
                                                  exporter::ProfileFormat::kPprof);
    res.set_header("Content-Disposition", "attachment; filename=\"" + route + ".pb.gz\"");
    res.set_content(body, "application/octet-stream");
  });
}

void add_store_metrics(metrics::Registry& registry, std::shared_ptr<AgentProfiling> profiling) {
  auto& windows = registry.gauge("ksight_profile_store_windows",
                                 "Profile windows held by the store.", {"where"});
  auto& bytes =
      registry.gauge("ksight_profile_store_bytes",
                     "Estimated bytes of profile windows in memory / on disk.", {"where"});
  auto& evicted = registry.counter("ksight_profile_store_evictions_total",
                                   "Profile windows dropped for good (size caps or retention).");
  auto& errors = registry.counter("ksight_profile_store_spill_errors_total",
                                  "Profile windows that failed to spill (and were dropped).");
  registry.add_collector([=, &windows, &bytes, &evicted, &errors] {
    auto s = profiling_store(*profiling).stats();
    windows.set({"memory"}, static_cast<double>(s.windows - s.spilled_windows));
    windows.set({"disk"}, static_cast<double>(s.spilled_windows));
    bytes.set({"memory"}, static_cast<double>(s.memory_bytes));
    bytes.set({"disk"}, static_cast<double>(s.disk_bytes));
    evicted.set_total({}, static_cast<double>(s.evictions));
    errors.set_total({}, static_cast<double>(s.spill_errors));
  });
}

void install_push(agent::Agent& agent, store::Store& store) {
  const auto& config = agent.config();
  store::PushOptions options;
  options.url = config.push_pyroscope_url;
  options.app_name = config.push_app_name;
  options.queue_capacity = config.push_queue;
  options.sample_rate_hz = static_cast<int>(config.profiler_frequency);
  auto pusher = std::make_shared<store::PyroscopePusher>(options);
  pusher->start();
  store::Labels extra = parse_label_list(config.push_labels);
  store.set_listener([pusher, extra](const store::Labels& labels,
                                     std::shared_ptr<const profile::Profile> profile,
                                     int64_t start_ns, int64_t end_ns) {
    store::Labels all = extra;
    for (const auto& [k, v] : labels) all[k] = v;  // the series' own labels win
    pusher->enqueue(all, std::move(profile), start_ns, end_ns);
  });
  auto& registry = agent.registry();
  auto& sent = registry.counter("ksight_profile_push_sent_total",
                                "Profile windows accepted by the Pyroscope server.");
  auto& retries = registry.counter("ksight_profile_push_retries_total",
                                   "Pyroscope pushes retried after a failure.");
  auto& dropped = registry.counter("ksight_profile_push_dropped_total",
                                   "Profile windows not pushed: queue_full or failed (after "
                                   "retries, or rejected).",
                                   {"reason"});
  auto& queued =
      registry.gauge("ksight_profile_push_queue", "Profile windows waiting to be pushed.");
  // The collector owns the pusher: it lives (and sends) as long as the registry.
  registry.add_collector([pusher, &sent, &retries, &dropped, &queued] {
    auto s = pusher->stats();
    sent.set_total({}, static_cast<double>(s.sent));
    retries.set_total({}, static_cast<double>(s.retries));
    dropped.set_total({"queue_full"}, static_cast<double>(s.dropped_queue_full));
    dropped.set_total({"failed"}, static_cast<double>(s.dropped_failed));
    queued.set({}, static_cast<double>(s.queued));
  });
  spdlog::info("profiles: pushing every window to {} as {}.<type>", options.url, options.app_name);
}

}  // namespace

void install_profile_types(agent::Agent& agent, const std::shared_ptr<AgentProfiling>& profiling) {
  AgentProfiling* raw = profiling.get();
  agent.add_factory(
      {"profiler.offcpu", [](const agent::AgentConfig& c) { return c.profiler_offcpu; },
       [profiling, raw](agent::SourceContext& context, const agent::AgentConfig& config) {
         return std::make_unique<OffCpuSource>(*raw, context, config);
       }});
  agent.add_factory(
      {"profiler.kalloc", [](const agent::AgentConfig& c) { return c.profiler_kalloc; },
       [profiling, raw](agent::SourceContext& context, const agent::AgentConfig& config) {
         return std::make_unique<KernelAllocSource>(*raw, context, config);
       }});
  agent.add_factory(
      {"profiler.ualloc",
       [](const agent::AgentConfig& c) {
         return !c.profiler_ualloc_comm.empty() || !c.profiler_ualloc_pids.empty();
       },
       [profiling, raw](agent::SourceContext& context, const agent::AgentConfig& config) {
         return make_ualloc_source(*raw, context, config);
       }});
  agent.http().add_routes([profiling](httplib::Server& server) {
    add_pprof_route(server, profiling, "offcpu", "offcpu", "profiler.offcpu");
    add_pprof_route(server, profiling, "kalloc", "kalloc", "profiler.kalloc");
    add_pprof_route(server, profiling, "ualloc", "ualloc", "profiler.ualloc_comm");
  });
  add_store_metrics(agent.registry(), profiling);
  if (!agent.config().push_pyroscope_url.empty()) install_push(agent, profiling_store(*raw));
}

}  // namespace ksight::cli
