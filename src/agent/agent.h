#pragma once
// The node agent: owns the metrics registry, the process table, the event
// sources and the HTTP server, and runs one loop (epoll over the ring
// buffers, a collect timer and the signal fd):
//   ring buffer readable → source.consume()         (decode, process table, listeners)
//   collect timer        → source.collect()         (kernel maps → metrics)
//                          process table eviction → source.forget(gone pids)
//   SIGHUP               → reload the configuration (invalid: keep the old one)
//   SIGTERM / SIGINT     → drain, detach every program, stop HTTP, return 0
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "agent/event_source.h"
#include "agent/http_server.h"
#include "agent/process_table.h"
#include "common/heap_trim.h"
#include "metrics/registry.h"

namespace ksight {
class SignalFd;
}

namespace ksight::agent {

// Builds a source by config key ("sources.kmem"); the agent calls it when
// the key is on at start or is switched on by a reload.
struct SourceFactory {
  std::string key;
  std::function<bool(const AgentConfig&)> enabled;
  std::function<std::unique_ptr<EventSource>(SourceContext&, const AgentConfig&)> make;
};

// The built-in sources: process, syscalls, kmem, net.
std::vector<SourceFactory> default_source_factories();

class Agent {
 public:
  // `proc` is the /proc seam (LinuxProcReader in production).
  Agent(AgentConfig config, ProcReader& proc);
  ~Agent();

  metrics::Registry& registry() { return registry_; }
  ProcessTable& processes() { return processes_; }
  HttpServer& http() { return http_; }
  const AgentConfig& config() const { return config_; }

  // Extra sources (e.g. the security feed) before start().
  void add_factory(SourceFactory factory);

  // Binds HTTP (throws on a taken port), seeds the process table, starts
  // the enabled sources. Throws CapabilityError when every source failed.
  void start();
  // Runs until SIGTERM/SIGINT; `reload` re-reads the configuration on
  // SIGHUP (nullopt or a throw keeps the current one). Returns the exit code.
  int run(SignalFd& signals, std::function<AgentConfig()> reload);
  // One collect pass (the timer's work), public for tests.
  void collect();
  // Applies a new configuration: reloadable keys now, sources on/off; the
  // others are logged as needing a restart.
  void apply(const AgentConfig& next);
  void stop();

 private:
  struct Running {
    std::string key;
    std::unique_ptr<EventSource> source;
  };
  void start_source(const SourceFactory& factory);
  void stop_source(const std::string& key);
  std::string readiness_detail() const;
  void heartbeat();
  int drain_ready(int epoll_fd);
  void rebuild_epoll(int epoll_fd);

  AgentConfig config_;
  metrics::Registry registry_;
  ProcessTable processes_;
  SourceContext context_;
  HealthState health_;
  HttpServer http_;
  std::vector<SourceFactory> factories_;
  std::vector<Running> running_;
  std::vector<std::string> failed_;
  metrics::Gauge& source_up_;
  metrics::Gauge& table_entries_;
  metrics::Counter& table_evictions_;
  metrics::Counter& reloads_;
  metrics::Counter& heap_trim_seconds_;
  ProcessTableStats last_stats_;
  HeapTrimmer heap_trimmer_;
  bool stopped_ = false;
};

}  // namespace ksight::agent
