#pragma once
// An OTLP trace receiver for tests, built from the same official protos:
// a gRPC TraceService and an HTTP/protobuf /v1/traces endpoint on loopback.
// It can refuse (UNAVAILABLE / 503), reject (INVALID_ARGUMENT / 400), delay
// every answer, and disappear (stop) and come back (start) on the same port.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace ksight::otel::testing {

struct ReceivedSpan {
  opentelemetry::proto::trace::v1::Span span;
  std::map<std::string, std::string> resource;     // values as text
  std::string attr(const std::string& key) const;  // "" when absent
  std::string trace_id_hex() const;
  std::string span_id_hex() const;
  std::string parent_span_id_hex() const;
};

enum class ReceiverMode { kAccept, kRefuse, kReject };

// How the receiver listens: TLS when cert_file is set (PEM files), then
// requiring a client certificate signed by client_ca_file when that is set;
// HTTP serves http_path.
struct ReceiverOptions {
  std::string cert_file{};
  std::string key_file{};
  std::string client_ca_file{};
  std::string http_path = "/v1/traces";
};

class OtlpReceiver {
 public:
  // grpc: true for TraceService/Export, false for HTTP POST /v1/traces.
  explicit OtlpReceiver(bool grpc = true, int port = 0, ReceiverOptions options = {});
  ~OtlpReceiver();

  void start();
  void stop();  // disappears: the port closes
  int port() const { return port_; }
  // "127.0.0.1:port" (grpc) / "http://127.0.0.1:port"; TLS: https://127.0.0.1:port
  std::string endpoint() const;

  void set_mode(ReceiverMode mode) { mode_ = mode; }
  void set_delay(std::chrono::milliseconds delay) { delay_ms_ = delay.count(); }
  // Accepted requests answer with an OTLP partial success: `rejected` spans
  // refused, and why (0 and "": a plain success again).
  void set_partial_success(int64_t rejected, const std::string& message);
  // The ExportTraceServiceResponse bytes the receiver answers with.
  std::string response_bytes() const;
  // false: count spans without keeping them (long benchmark runs).
  void set_store(bool store) { store_ = store; }
  size_t span_count() const { return span_count_; }

  std::vector<ReceivedSpan> spans() const;
  size_t requests() const { return requests_; }
  size_t gzip_requests() const { return gzip_requests_; }
  // The headers (HTTP) or metadata (gRPC) of the last request, names
  // lowercased.
  std::map<std::string, std::string> last_headers() const;
  void record_headers(std::map<std::string, std::string> headers);
  // Waits until pred(spans()) holds; false on timeout.
  bool wait_for(const std::function<bool(const std::vector<ReceivedSpan>&)>& pred,
                std::chrono::milliseconds timeout) const;

  // Called by the servers: applies mode and delay, stores what was accepted.
  // Returns 0 accept, 1 refuse, 2 reject.
  int handle(const std::string& serialized_request, bool gzip);

 private:
  struct Impl;
  bool grpc_;
  int port_;
  ReceiverOptions options_;
  std::atomic<ReceiverMode> mode_{ReceiverMode::kAccept};
  std::atomic<int64_t> delay_ms_{0};
  std::atomic<size_t> requests_{0};
  std::atomic<size_t> gzip_requests_{0};
  std::atomic<bool> store_{true};
  std::atomic<size_t> span_count_{0};
  mutable std::mutex mutex_;
  std::string response_;                        // guarded by mutex_
  std::map<std::string, std::string> headers_;  // guarded by mutex_
  mutable std::condition_variable cv_;
  std::vector<ReceivedSpan> spans_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ksight::otel::testing
