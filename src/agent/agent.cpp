#include "agent/agent.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "agent/feature_probe.h"
#include "agent/kmem_source.h"
#include "agent/net_source.h"
#include "agent/process_source.h"
#include "agent/syscall_source.h"
#include "build_info.h"
#include "common/error.h"
#include "common/signals.h"
#include "metrics/process_metrics.h"

namespace ksight::agent {

namespace {

ProcessTableOptions table_options(const AgentConfig& c) {
  return {c.process_table_max_entries, c.process_exit_grace};
}

void arm_timer(int fd, std::chrono::milliseconds interval) {
  itimerspec spec{};
  spec.it_interval.tv_sec = interval.count() / 1000;
  spec.it_interval.tv_nsec = (interval.count() % 1000) * 1000000;
  spec.it_value = spec.it_interval;
  timerfd_settime(fd, 0, &spec, nullptr);
}

}  // namespace

std::vector<SourceFactory> default_source_factories() {
  return {
      {"sources.process", [](const AgentConfig& c) { return c.process; },
       [](SourceContext& ctx, const AgentConfig&) { return make_process_source(ctx); }},
      {"sources.syscalls", [](const AgentConfig& c) { return c.syscalls; },
       [](SourceContext& ctx, const AgentConfig& c) {
         return make_syscall_source(ctx, {c.syscall_latency, c.syscall_latency_sample, 0});
       }},
      {"sources.kmem", [](const AgentConfig& c) { return c.kmem; },
       [](SourceContext& ctx, const AgentConfig& c) {
         return make_kmem_source(ctx, {c.kmem_call_sites});
       }},
      {"sources.net", [](const AgentConfig& c) { return c.net; },
       [](SourceContext& ctx, const AgentConfig&) { return make_net_source(ctx); }},
  };
}

Agent::Agent(AgentConfig config, ProcReader& proc)
    : config_(std::move(config)),
      registry_(config_.max_label_values),
      processes_(proc, table_options(config_)),
      context_{registry_, processes_, config_.ring_buffer_kib * 1024u},
      http_(registry_, health_),
      factories_(default_source_factories()),
      source_up_(registry_.gauge("ksight_source_up",
                                 "1 when the event source is attached, 0 when it failed.",
                                 {"source"})),
      table_entries_(registry_.gauge("ksight_process_table_entries",
                                     "Processes in the agent's process table.", {"state"})),
      table_evictions_(registry_.counter("ksight_process_table_evictions_total",
                                         "Process table entries evicted.", {"reason"})),
      reloads_(registry_.counter("ksight_config_reloads_total",
                                 "Configuration reloads (SIGHUP) by result.", {"result"})),
      heap_trim_seconds_(registry_.counter(
          "ksight_heap_trim_seconds_total",
          "Time spent giving malloc's free pages back to the kernel (every 10 s).")) {
  metrics::register_process_metrics(registry_, kVersion);
  health_.detail = [this] { return readiness_detail(); };
}

Agent::~Agent() {
  stop();
}

void Agent::add_factory(SourceFactory factory) {
  factories_.push_back(std::move(factory));
}

void Agent::start_source(const SourceFactory& factory) {
  auto source = factory.make(context_, config_);
  try {
    source->start();
  } catch (const Error& e) {
    spdlog::error("{} failed: {}", factory.key, e.what());
    source_up_.set({source->name()}, 0);
    failed_.push_back(factory.key + ": " + e.what());
    return;
  }
  spdlog::info("{} attached", factory.key);
  source_up_.set({source->name()}, 1);
  running_.push_back({factory.key, std::move(source)});
}

void Agent::stop_source(const std::string& key) {
  auto it = std::find_if(running_.begin(), running_.end(),
                         [&](const Running& r) { return r.key == key; });
  if (it == running_.end()) return;
  it->source->collect();
  it->source->stop();
  source_up_.set({it->source->name()}, 0);
  spdlog::info("{} detached", key);
  running_.erase(it);
}

void Agent::start() {
  http_.start(config_.listen);
  heartbeat();
  ensure_tracefs();  // tp/ programs (kmem, net) look tracepoint ids up there
  size_t enabled = 0;
  // The process source first, so no fork/exec is missed between the /proc
  // scan and the sources that label by process.
  for (const auto& f : factories_) {
    if (!f.enabled(config_)) continue;
    ++enabled;
    start_source(f);
    if (f.key == "sources.process") processes_.seed();
  }
  if (std::none_of(factories_.begin(), factories_.end(), [&](const SourceFactory& f) {
        return f.key == "sources.process" && f.enabled(config_);
      })) {
    processes_.seed();
  }
  spdlog::info("process table seeded with {} processes from /proc", processes_.size());
  if (enabled > 0 && running_.empty()) {
    throw CapabilityError("no event source could be attached (see the errors above)");
  }
  health_.ready = true;
}

std::string Agent::readiness_detail() const {
  std::string out;
  for (const auto& r : running_) out += r.key + ": attached\n";
  for (const auto& f : failed_) out += f + "\n";
  return out;
}

void Agent::heartbeat() {
  health_.heartbeat_ns =
      std::chrono::nanoseconds(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Agent::collect() {
  // Exits applied before this collect: their final counts are read now, so
  // their kernel map entries can go right after (bounded maps under churn).
  auto exited = processes_.take_exited();
  for (auto& r : running_) r.source->collect();
  auto gone = processes_.evict();
  gone.insert(gone.end(), exited.begin(), exited.end());
  for (auto& r : running_) r.source->forget(gone);
  auto stats = processes_.stats();
  table_evictions_.inc({"exited"}, stats.evicted_exited - last_stats_.evicted_exited);
  table_evictions_.inc({"capacity"}, stats.evicted_capacity - last_stats_.evicted_capacity);
  last_stats_ = stats;
  if (auto took = heap_trimmer_.maybe_trim()) heap_trim_seconds_.inc({}, *took);
  size_t live = processes_.live_count();
  table_entries_.set({"live"}, static_cast<double>(live));
  table_entries_.set({"exited"}, static_cast<double>(processes_.size() - live));
}

void Agent::apply(const AgentConfig& next) {
  for (const auto& key : changed_keys(config_, next)) {
    const ConfigKey* k = find_config_key(key);
    if (k && !k->reloadable) spdlog::warn("config: {} changed; restart the agent to apply it", key);
  }
  AgentConfig old = config_;
  config_.log_level = next.log_level;
  config_.collect_interval = next.collect_interval;
  config_.max_label_values = next.max_label_values;
  config_.process_table_max_entries = next.process_table_max_entries;
  config_.process_exit_grace = next.process_exit_grace;
  config_.syscalls = next.syscalls;
  config_.kmem = next.kmem;
  config_.net = next.net;
  spdlog::set_level(spdlog::level::from_str(config_.log_level));
  registry_.set_max_label_values(config_.max_label_values);
  processes_.set_options(table_options(config_));
  for (auto& r : running_) r.source->reload(next);
  for (const auto& f : factories_) {
    const ConfigKey* k = find_config_key(f.key);
    if (!k || !k->reloadable) continue;
    bool was = f.enabled(old), now = f.enabled(config_);
    if (was && !now) stop_source(f.key);
    if (!was && now) start_source(f);
  }
}

void Agent::rebuild_epoll(int epoll_fd) {
  for (size_t i = 0; i < running_.size(); ++i) {
    int fd = running_[i].source->poll_fd();
    if (fd < 0) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 100 + i;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST) {
      epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev);
    }
  }
}

int Agent::drain_ready(int epoll_fd) {
  int handled = 0;
  for (auto& r : running_) handled += std::max(0, r.source->consume());
  return handled;
}

int Agent::run(SignalFd& signals, std::function<AgentConfig()> reload) {
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  int timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epoll_fd < 0 || timer_fd < 0) throw Error(std::string("epoll/timerfd: ") + strerror(errno));
  arm_timer(timer_fd, config_.collect_interval);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 1;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, signals.fd(), &ev);
  ev.data.u64 = 2;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, timer_fd, &ev);
  rebuild_epoll(epoll_fd);
  bool running = true;
  while (running) {
    epoll_event events[16];
    int n = epoll_wait(epoll_fd, events, 16, 1000);
    heartbeat();
    if (n < 0 && errno != EINTR) break;
    bool rings = false;
    for (int i = 0; i < n; ++i) {
      uint64_t id = events[i].data.u64;
      if (id >= 100) {
        rings = true;
      } else if (id == 2) {
        uint64_t expirations;
        [[maybe_unused]] auto r = read(timer_fd, &expirations, sizeof(expirations));
        drain_ready(epoll_fd);  // process events first: they name the processes
        collect();
      } else if (id == 1) {
        while (auto sig = signals.read_signal()) {
          if (*sig == SIGHUP) {
            try {
              AgentConfig next = reload();
              auto old_interval = config_.collect_interval;
              apply(next);
              if (config_.collect_interval != old_interval)
                arm_timer(timer_fd, config_.collect_interval);
              rebuild_epoll(epoll_fd);
              reloads_.inc({"success"});
              spdlog::info("configuration reloaded");
            } catch (const std::exception& e) {
              reloads_.inc({"failure"});
              spdlog::error("configuration reload failed, keeping the current one: {}", e.what());
            }
          } else {
            spdlog::info("signal {}: shutting down", strsignal(*sig));
            running = false;
          }
        }
      }
    }
    if (rings) drain_ready(epoll_fd);
  }
  close(timer_fd);
  close(epoll_fd);
  stop();
  return kExitOk;
}

void Agent::stop() {
  if (stopped_) return;
  stopped_ = true;
  health_.ready = false;
  for (auto& r : running_) {
    r.source->consume();
    r.source->collect();
    r.source->stop();
  }
  running_.clear();
  http_.stop();
}

}  // namespace ksight::agent
