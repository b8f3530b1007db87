// Shared by the HTTP kernel tests: nginx, curl, the agent and its metrics.
#include "http_kernel_support.h"

#include <httplib.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "agent_argv.h"

namespace ksight::otel::testing {

using namespace std::chrono_literals;
using ksight::testing::Subprocess;
namespace fs = std::filesystem;

Nginx::Nginx(int upstream_port)
    : port_(free_port()),
      dir_(fs::temp_directory_path() / ("ksight-nginx-" + std::to_string(getpid()))) {
  fs::create_directories(dir_ / "logs");
  fs::create_directories(dir_ / "static");
  // Served by sendfile: its body reaches the capture as a length only.
  std::ofstream(dir_ / "static" / "big.bin") << std::string(256 << 10, 'x');
  auto path = [&](const char* name) { return (dir_ / name).string(); };
  std::string proxy;
  if (upstream_port) {
    proxy = "  location /slow/ { proxy_pass http://127.0.0.1:" + std::to_string(upstream_port) +
            "; }\n";
  }
  std::ofstream(dir_ / "nginx.conf") << "daemon off; worker_processes 1;\n"
                                     << "pid " << path("nginx.pid") << ";\n"
                                     << "error_log " << path("logs/error.log") << ";\n"
                                     << "events { worker_connections 256; }\n"
                                     << "http {\n access_log off;\n sendfile on;\n"
                                     << " client_body_temp_path " << path("body") << ";\n"
                                     << " proxy_temp_path " << path("proxy") << ";\n"
                                     << " fastcgi_temp_path " << path("fastcgi") << ";\n"
                                     << " uwsgi_temp_path " << path("uwsgi") << ";\n"
                                     << " scgi_temp_path " << path("scgi") << ";\n"
                                     << " server {\n  listen 127.0.0.1:" << port_ << ";\n"
                                     << "  location /static/ { root " << dir_.string() << "; }\n"
                                     << "  location / { return 200 \"hello\\n\"; }\n"
                                     << "  location /err { return 503; }\n"
                                     << proxy << " }\n}\n";
  proc_ = std::make_unique<Subprocess>(std::vector<std::string>{
      "/usr/sbin/nginx", "-p", dir_.string(), "-c", (dir_ / "nginx.conf").string()});
  for (int i = 0; i < 100; ++i) {
    httplib::Client c("127.0.0.1", port_);
    if (c.Get("/")) return;
    std::this_thread::sleep_for(50ms);
  }
  throw std::runtime_error("nginx did not start");
}

Nginx::~Nginx() {
  proc_->send_signal(SIGQUIT);
  proc_->wait(5s);
  proc_.reset();
  fs::remove_all(dir_);
}

PythonHttpServer::PythonHttpServer(const std::string& handler) : port_(free_port()) {
  std::string script = "import http.server, sys, time\n" + handler +
                       "Handler.log_message = lambda self, *args: None\n"
                       "srv = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Handler)\n"
                       "print('serving', flush=True)\n"
                       "srv.serve_forever()\n";
  proc_ = std::make_unique<Subprocess>(
      std::vector<std::string>{"/usr/bin/python3", "-c", script, std::to_string(port_)});
  serving_ = proc_->wait_for_output("serving", 20s);
  if (!serving_) ADD_FAILURE() << "python3 http.server did not start: " << proc_->err();
}

int curl(const std::string& url, const std::vector<std::string>& headers) {
  std::vector<std::string> argv = {"/usr/bin/curl", "-s", "-o", "/dev/null", "--noproxy", "*"};
  for (const auto& h : headers) {
    argv.push_back("-H");
    argv.push_back(h);
  }
  argv.push_back(url);
  return ksight::testing::run(argv, 20s).exit_code;
}

const ReceivedSpan* find(const std::vector<ReceivedSpan>& spans,
                         opentelemetry::proto::trace::v1::Span::SpanKind kind,
                         const std::string& path, const std::string& service) {
  for (const auto& s : spans) {
    if (s.span.kind() == kind && s.attr("url.path") == path && s.resource.count("service.name") &&
        s.resource.at("service.name") == service) {
      return &s;
    }
  }
  return nullptr;
}

// Value of one exposition line "name{labels} value", -1 when absent.
double metric_value(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

void HttpSpansKernel::SetUp() {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (BPF)";
  if (!fs::exists("/usr/sbin/nginx") || !fs::exists("/usr/bin/curl")) {
    GTEST_SKIP() << "needs nginx-light and curl";
  }
}

std::unique_ptr<Subprocess> HttpSpansKernel::start_agent(const std::string& otlp, int metrics_port,
                                                         bool print, const std::string& hooks,
                                                         const std::vector<std::string>& extra) {
  std::vector<std::string> argv = http_agent_argv(otlp, metrics_port);
  argv.insert(argv.end(), {print ? "--print-spans" : "--http", "--http-hooks", hooks});
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto agent = std::make_unique<Subprocess>(argv);
  if (!agent->wait_for_output("ksight agent running", 60s, /*from_stderr=*/true)) {
    ADD_FAILURE() << "agent did not start: " << agent->err();
  }
  return agent;
}

std::string HttpSpansKernel::metrics(int port) {
  httplib::Client c("127.0.0.1", port);
  auto res = c.Get("/metrics");
  return res ? res->body : "";
}

}  // namespace ksight::otel::testing
