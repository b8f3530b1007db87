#pragma once
// The agent's HTTP endpoints (cpp-httplib, one listener thread pool):
//   GET /metrics                       Prometheus text exposition of the registry
//   GET /healthz                       200 while the agent loop is alive
//   GET /readyz                        200 once the sources are attached
//   GET /debug/pprof/profile?seconds=N CPU profile (pprof), from a ProfileProvider
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "metrics/registry.h"
#include "profile/profile.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ksight::agent {

// Where /debug/pprof/profile gets its data: the continuous CPU profiler.
class ProfileProvider {
 public:
  virtual ~ProfileProvider() = default;
  // The CPU profile of the last `duration` (a provider may wait until that
  // much has been recorded). Throws ksight::Error when it cannot.
  virtual profile::Profile cpu_profile(std::chrono::seconds duration) = 0;
};

// Profile → response body (e.g. gzip'd pprof from the export module).
using ProfileSerializer = std::function<std::string(const profile::Profile&)>;

struct HealthState {
  // Set by the agent loop on every iteration (steady clock, ns).
  std::atomic<int64_t> heartbeat_ns{0};
  std::atomic<bool> ready{false};
  // Human-readable readiness detail (sources up/failed).
  std::function<std::string()> detail;
};

class HttpServer {
 public:
  HttpServer(metrics::Registry& registry, HealthState& health);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void set_profile_provider(ProfileProvider* provider, ProfileSerializer serializer);

  // Lets another module serve on this listener (the profile UI, src/ui),
  // before start(): `install` adds its routes; `index`, when set, answers
  // "/" instead of the plain list of endpoints.
  using RouteInstaller = std::function<void(httplib::Server&)>;
  using IndexHandler = std::function<void(const httplib::Request&, httplib::Response&)>;
  void add_routes(const RouteInstaller& install, IndexHandler index = nullptr);

  // Binds `listen` ("host:port"; port 0 picks one) and serves on a thread.
  // Throws ksight::Error with the reason ("address already in use") at once.
  void start(const std::string& listen);
  void stop();
  int port() const { return port_; }

  // Longest pprof request accepted.
  static constexpr int kMaxProfileSeconds = 300;

 private:
  void routes();

  metrics::Registry& registry_;
  HealthState& health_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex provider_mutex_;
  ProfileProvider* provider_ = nullptr;
  ProfileSerializer serializer_;
  IndexHandler index_;  // guarded by provider_mutex_
  metrics::Counter& requests_;
};

}  // namespace ksight::agent
