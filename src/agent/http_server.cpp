#include "agent/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "agent/agent_config.h"
#include "common/error.h"
#include "metrics/exposition.h"

namespace ksight::agent {

namespace {

// httplib reports a failed bind as plain `false`; bind once ourselves (with
// the same SO_REUSEADDR) to tell the user why.
void check_bindable(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string where = host + ":" + std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res)) {
    throw Error("cannot listen on " + where + ": " + gai_strerror(rc));
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc = fd < 0 ? -1 : bind(fd, res->ai_addr, res->ai_addrlen);
  int err = errno;
  if (fd >= 0) close(fd);
  freeaddrinfo(res);
  if (rc != 0) {
    std::string hint = err == EADDRINUSE ? " (another process listens there; use --listen)" : "";
    throw Error("cannot listen on " + where + ": " + strerror(err) + hint);
  }
}

}  // namespace

HttpServer::HttpServer(metrics::Registry& registry, HealthState& health)
    : registry_(registry),
      health_(health),
      server_(std::make_unique<httplib::Server>()),
      requests_(registry.counter("ksight_http_requests_total",
                                 "HTTP requests served by path and status code.",
                                 {"path", "code"})) {
  routes();
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::set_profile_provider(ProfileProvider* provider, ProfileSerializer serializer) {
  std::lock_guard lock(provider_mutex_);
  provider_ = provider;
  serializer_ = std::move(serializer);
}

void HttpServer::add_routes(const RouteInstaller& install, IndexHandler index) {
  install(*server_);
  std::lock_guard lock(provider_mutex_);
  if (index) index_ = std::move(index);
}

void HttpServer::routes() {
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry_.render(), metrics::kTextContentType);
  });
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    auto now = std::chrono::steady_clock::now().time_since_epoch();
    int64_t age_ns = std::chrono::nanoseconds(now).count() - health_.heartbeat_ns.load();
    bool alive = health_.heartbeat_ns.load() != 0 && age_ns < int64_t{10} * 1000000000;
    res.status = alive ? 200 : 503;
    res.set_content(alive ? "ok\n" : "agent loop stalled\n", "text/plain");
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    bool ready = health_.ready.load();
    res.status = ready ? 200 : 503;
    std::string detail = health_.detail ? health_.detail() : "";
    res.set_content((ready ? "ready\n" : "not ready\n") + detail, "text/plain");
  });
  server_->Get("/debug/pprof/profile", [this](const httplib::Request& req, httplib::Response& res) {
    int seconds = 30;  // Go's net/http/pprof default
    if (req.has_param("seconds")) {
      std::string s = req.get_param_value("seconds");
      char* end = nullptr;
      long v = std::strtol(s.c_str(), &end, 10);
      if (s.empty() || *end || v < 1 || v > kMaxProfileSeconds) {
        res.status = 400;
        res.set_content(
            "seconds must be a whole number from 1 to " + std::to_string(kMaxProfileSeconds) + "\n",
            "text/plain");
        return;
      }
      seconds = static_cast<int>(v);
    }
    ProfileProvider* provider;
    ProfileSerializer serializer;
    {
      std::lock_guard lock(provider_mutex_);
      provider = provider_;
      serializer = serializer_;
    }
    if (!provider || !serializer) {
      res.status = 503;
      res.set_content(
          "CPU profiling is not available in this agent (profiler.enabled is false "
          "or the profiler failed to start; see the agent log)\n",
          "text/plain");
      return;
    }
    try {
      auto body = serializer(provider->cpu_profile(std::chrono::seconds(seconds)));
      res.set_header("Content-Disposition", "attachment; filename=\"profile\"");
      res.set_content(body, "application/octet-stream");
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(std::string("profile failed: ") + e.what() + "\n", "text/plain");
    }
  });
  server_->Get("/", [this](const httplib::Request& req, httplib::Response& res) {
    IndexHandler index;
    {
      std::lock_guard lock(provider_mutex_);
      index = index_;
    }
    if (index) return index(req, res);
    res.set_content("ksight agent\n/metrics\n/healthz\n/readyz\n/debug/pprof/profile?seconds=N\n",
                    "text/plain");
  });
  server_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const std::string& path = req.path;
    bool known = path == "/metrics" || path == "/healthz" || path == "/readyz" ||
                 path == "/debug/pprof/profile" || path == "/";
    requests_.inc({known ? path : "other", std::to_string(res.status)});
  });
}

void HttpServer::start(const std::string& listen) {
  auto address = parse_listen_address(listen);
  if (!address) throw Error("invalid listen address '" + listen + "'");
  auto [host, port] = *address;
  if (port != 0) check_bindable(host, port);
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
    if (port_ <= 0) throw Error("cannot listen on " + host + ": no free port");
  } else {
    if (!server_->bind_to_port(host, port)) {
      throw Error("cannot listen on " + listen + ": " + strerror(errno));
    }
    port_ = port;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs, so a stop() that
  // came right after start() would leave join() waiting forever. httplib
  // 0.11 has no readiness callback: wait (bounded) for is_running().
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  spdlog::info("listening on http://{}:{}/metrics",
               host.find(':') == std::string::npos ? host : "[" + host + "]", port_);
}

void HttpServer::stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

}  // namespace ksight::agent
