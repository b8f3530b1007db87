// An OTLP/gRPC sink for bench/http_overhead.sh, listening on 127.0.0.1:<port>.
//   ksight_otlp_sink PORT             parses every request with the official
//                                     protos (OtlpReceiver) and prints
//                                     "spans <n>" every second and at the end
//   ksight_otlp_sink PORT --ack-only  answers every call OK without parsing
//                                     it, and prints "calls <n> bytes <n>":
//                                     a collector that costs the machine as
//                                     little as gRPC allows, so the benchmark
//                                     sees the agent's cost more than the
//                                     receiver's (the agent's
//                                     ksight_spans_exported_total counts
//                                     what was acknowledged)
// Runs until SIGINT/SIGTERM.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "otlp_receiver.h"

namespace {

volatile std::sig_atomic_t stop = 0;

// Every method, unary: read the request, answer an empty message (which
// decodes as an empty ExportTraceServiceResponse, i.e. full success).
class AckEverything : public grpc::CallbackGenericService {
 public:
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> bytes{0};

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    return new Reactor(*this);
  }

 private:
  class Reactor : public grpc::ServerGenericBidiReactor {
   public:
    explicit Reactor(AckEverything& service) : service_(service) {
      grpc::Slice empty;  // a message of zero bytes, not a missing one
      response_ = grpc::ByteBuffer(&empty, 1);
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
        return;
      }
      service_.calls.fetch_add(1, std::memory_order_relaxed);
      service_.bytes.fetch_add(request_.Length(), std::memory_order_relaxed);
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnDone() override { delete this; }

   private:
    AckEverything& service_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };
};

int run_ack_only(int port) {
  AckEverything service;
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &bound);
  builder.RegisterCallbackGenericService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound == 0) {
    std::fprintf(stderr, "ksight_otlp_sink: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::printf("listening 127.0.0.1:%d (ack only)\n", bound);
  std::fflush(stdout);
  while (!stop) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    std::printf("calls %lu bytes %lu\n", static_cast<unsigned long>(service.calls.load()),
                static_cast<unsigned long>(service.bytes.load()));
    std::fflush(stdout);
  }
  server->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int port = argc > 1 ? std::atoi(argv[1]) : 4317;
  std::signal(SIGINT, [](int) { stop = 1; });
  std::signal(SIGTERM, [](int) { stop = 1; });
  if (argc > 2 && std::strcmp(argv[2], "--ack-only") == 0) return run_ack_only(port);
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
