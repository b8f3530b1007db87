// A counting OTLP/gRPC receiver for bench/http_overhead.sh: listens on
// 127.0.0.1:<port>, prints "spans <n>" every second and on SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "otlp_receiver.h"

namespace {
volatile std::sig_atomic_t stop = 0;
}

int main(int argc, char** argv) {
  int port = argc > 1 ? std::atoi(argv[1]) : 4317;
  std::signal(SIGINT, [](int) { stop = 1; });
  std::signal(SIGTERM, [](int) { stop = 1; });
  ksight::otel::testing::OtlpReceiver receiver(true, port);
  receiver.set_store(false);
  std::printf("listening %s\n", receiver.endpoint().c_str());
  std::fflush(stdout);
  while (!stop) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    std::printf("spans %zu\n", receiver.span_count());
    std::fflush(stdout);
  }
  return 0;
}
