#pragma once
// Shared by the HTTP kernel tests (root): nginx on loopback with its own
// prefix, curl, the agent started with --http and its /metrics.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "otlp_receiver.h"
#include "support/ports.h"
#include "support/subprocess.h"

namespace ksight::otel::testing {

using ksight::testing::free_port;

// nginx on 127.0.0.1:port with its own prefix, config and temp dirs:
// `/` answers 200, `/err` 503, `/static/big.bin` (256 KiB) by sendfile;
// with upstream_port, `/slow/` is proxied there.
class Nginx {
 public:
  explicit Nginx(int upstream_port = 0);
  ~Nginx();
  int port() const { return port_; }

 private:
  int port_;
  std::filesystem::path dir_;
  std::unique_ptr<ksight::testing::Subprocess> proc_;
};

// Python's http.server on 127.0.0.1:port() with `handler`, the source of a
// BaseHTTPRequestHandler subclass named Handler (request logging is turned
// off here). Serving once constructed; a test failure if it did not start.
class PythonHttpServer {
 public:
  explicit PythonHttpServer(const std::string& handler);
  int port() const { return port_; }
  bool serving() const { return serving_; }

 private:
  int port_;
  std::unique_ptr<ksight::testing::Subprocess> proc_;
  bool serving_ = false;
};

// curl -s the url (extra request headers); its exit code.
int curl(const std::string& url, const std::vector<std::string>& headers = {});

// The first span of that kind, url.path and service.name; nullptr if none.
const ReceivedSpan* find(const std::vector<ReceivedSpan>& spans,
                         opentelemetry::proto::trace::v1::Span::SpanKind kind,
                         const std::string& path, const std::string& service);

// Value of one exposition line "name{labels} value", -1 when absent.
double metric_value(const std::string& text, const std::string& series);

// VmRSS of the process in KiB, -1 when unknown.
long rss_kib(pid_t pid);

class HttpSpansKernel : public ::testing::Test {
 protected:
  void SetUp() override;

  // print: --print-spans (only for a few spans: nobody drains the pipe later).
  // hooks: --http-hooks (auto, sock, syscalls); extra: more agent flags.
  std::unique_ptr<ksight::testing::Subprocess> start_agent(
      const std::string& otlp, int metrics_port, bool print = false,
      const std::string& hooks = "auto", const std::vector<std::string>& extra = {});

  std::string metrics(int port);
};

}  // namespace ksight::otel::testing
