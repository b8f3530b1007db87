#pragma once
// The `ksight agent` command line the otel kernel tests start: HTTP capture
// exporting to `otlp`, metrics on 127.0.0.1:metrics_port (0: any port), and
// every other source, the profiler and the security feed off so the test
// sees only what it drives.
#include <string>
#include <vector>

namespace ksight::otel::testing {

inline std::vector<std::string> http_agent_argv(const std::string& otlp, int metrics_port) {
  return {KSIGHT_BIN,
          "agent",
          "--listen",
          "127.0.0.1:" + std::to_string(metrics_port),
          "--sources.syscalls=false",
          "--sources.kmem=false",
          "--sources.net=false",
          "--profiler.enabled=false",
          "--security.enabled=false",
          "--otlp-endpoint",
          otlp};
}

}  // namespace ksight::otel::testing
