#include "otlp_receiver.h"

#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/gzip.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "otel/trace_context.h"

namespace ksight::otel::testing {
namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;
namespace common = opentelemetry::proto::common::v1;

std::string value_text(const common::AnyValue& v) {
  switch (v.value_case()) {
    case common::AnyValue::kStringValue:
      return v.string_value();
    case common::AnyValue::kIntValue:
      return std::to_string(v.int_value());
    case common::AnyValue::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case common::AnyValue::kDoubleValue:
      return std::to_string(v.double_value());
    default:
      return "?";
  }
}

std::string hex(const std::string& bytes) {
  return to_hex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

class Service final : public collector::TraceService::Service {
 public:
  explicit Service(OtlpReceiver& r) : r_(r) {}
  grpc::Status Export(grpc::ServerContext* ctx, const collector::ExportTraceServiceRequest* req,
                      collector::ExportTraceServiceResponse* resp) override {
    bool gzip = false;
    std::map<std::string, std::string> headers;
    for (const auto& [k, v] : ctx->client_metadata()) {
      if (k == "grpc-encoding" && v == "gzip") gzip = true;
      headers[std::string(k.data(), k.size())] = std::string(v.data(), v.size());
    }
    r_.record_headers(std::move(headers));
    switch (r_.handle(req->SerializeAsString(), gzip)) {
      case 1:
        return {grpc::StatusCode::UNAVAILABLE, "receiver refuses"};
      case 2:
        return {grpc::StatusCode::INVALID_ARGUMENT, "receiver rejects"};
      default:
        resp->ParseFromString(r_.response_bytes());  // kept as unknown fields
        return grpc::Status::OK;
    }
  }

 private:
  OtlpReceiver& r_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::shared_ptr<grpc::ServerCredentials> grpc_credentials(const ReceiverOptions& o) {
  if (o.cert_file.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl(
      o.client_ca_file.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                               : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_key_cert_pairs.push_back({read_file(o.key_file), read_file(o.cert_file)});
  ssl.pem_root_certs = o.client_ca_file.empty() ? "" : read_file(o.client_ca_file);
  return grpc::SslServerCredentials(ssl);
}

std::unique_ptr<httplib::Server> http_server(const ReceiverOptions& o) {
  if (o.cert_file.empty()) return std::make_unique<httplib::Server>();
  auto server = std::make_unique<httplib::SSLServer>(
      o.cert_file.c_str(), o.key_file.c_str(),
      o.client_ca_file.empty() ? nullptr : o.client_ca_file.c_str());
  if (!server->is_valid()) throw std::runtime_error("receiver: bad TLS certificate or key");
  return server;
}

}  // namespace

std::string ReceivedSpan::attr(const std::string& key) const {
  for (const auto& kv : span.attributes())
    if (kv.key() == key) return value_text(kv.value());
  return "";
}
std::string ReceivedSpan::trace_id_hex() const {
  return hex(span.trace_id());
}
std::string ReceivedSpan::span_id_hex() const {
  return hex(span.span_id());
}
std::string ReceivedSpan::parent_span_id_hex() const {
  return hex(span.parent_span_id());
}

struct OtlpReceiver::Impl {
  std::unique_ptr<Service> service;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<httplib::Server> http_server;
  std::thread http_thread;
};

OtlpReceiver::OtlpReceiver(bool grpc, int port, ReceiverOptions options)
    : grpc_(grpc), port_(port), options_(std::move(options)) {
  start();
}

OtlpReceiver::~OtlpReceiver() {
  stop();
}

std::string OtlpReceiver::endpoint() const {
  if (!options_.cert_file.empty()) return "https://127.0.0.1:" + std::to_string(port_);
  return (grpc_ ? "127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
}

void OtlpReceiver::start() {
  impl_ = std::make_unique<Impl>();
  if (grpc_) {
    impl_->service = std::make_unique<Service>(*this);
    grpc::ServerBuilder b;
    int chosen = 0;
    b.AddListeningPort("127.0.0.1:" + std::to_string(port_), grpc_credentials(options_), &chosen);
    b.RegisterService(impl_->service.get());
    impl_->grpc_server = b.BuildAndStart();
    if (!impl_->grpc_server || chosen == 0) throw std::runtime_error("receiver: cannot listen");
    port_ = chosen;
    return;
  }
  impl_->http_server = http_server(options_);
  impl_->http_server->Post(
      options_.http_path, [this](const httplib::Request& req, httplib::Response& res) {
        bool gzip = req.get_header_value("Content-Encoding") == "gzip";
        std::map<std::string, std::string> headers;
        for (const auto& [k, v] : req.headers) {
          std::string name = k;
          for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          headers[name] = v;
        }
        record_headers(std::move(headers));
        // httplib may have inflated the body already (CPPHTTPLIB_ZLIB_SUPPORT).
        bool still_gzip = req.body.size() > 2 && static_cast<uint8_t>(req.body[0]) == 0x1f &&
                          static_cast<uint8_t>(req.body[1]) == 0x8b;
        std::string body = still_gzip ? gzip_decompress(req.body) : req.body;
        int verdict = handle(body, gzip);
        res.status = verdict == 0 ? 200 : verdict == 1 ? 503 : 400;
        res.set_content(verdict == 0 ? response_bytes() : "", "application/x-protobuf");
      });
  if (port_ == 0) {
    port_ = impl_->http_server->bind_to_any_port("127.0.0.1");
  } else if (!impl_->http_server->bind_to_port("127.0.0.1", port_)) {
    throw std::runtime_error("receiver: cannot listen");
  }
  impl_->http_thread = std::thread([this] { impl_->http_server->listen_after_bind(); });
  // httplib ignores stop() until its accept loop runs: wait for it.
  for (int i = 0; i < 2000 && !impl_->http_server->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void OtlpReceiver::stop() {
  if (!impl_) return;
  if (impl_->grpc_server) {
    impl_->grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  }
  if (impl_->http_server) {
    impl_->http_server->stop();
    if (impl_->http_thread.joinable()) impl_->http_thread.join();
  }
  impl_.reset();
}

int OtlpReceiver::handle(const std::string& serialized, bool gzip) {
  ++requests_;
  if (gzip) ++gzip_requests_;
  if (auto d = delay_ms_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(d));
  ReceiverMode mode = mode_;
  if (mode == ReceiverMode::kRefuse) return 1;
  if (mode == ReceiverMode::kReject) return 2;
  collector::ExportTraceServiceRequest req;
  if (!req.ParseFromString(serialized)) return 2;
  for (const auto& rs : req.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) span_count_ += ss.spans_size();
  }
  if (!store_) return 0;
  std::lock_guard lock(mutex_);
  for (const auto& rs : req.resource_spans()) {
    std::map<std::string, std::string> resource;
    for (const auto& kv : rs.resource().attributes()) resource[kv.key()] = value_text(kv.value());
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& s : ss.spans()) spans_.push_back({s, resource});
    }
  }
  cv_.notify_all();
  return 0;
}

// The pinned protos (npm 0.34.0) have no partial_success; opentelemetry-proto
// 0.19+ define it as ExportTraceServiceResponse field 1, an
// ExportTracePartialSuccess {int64 rejected_spans = 1; string
// error_message = 2;}. Written here with protobuf's UnknownFieldSet.
void OtlpReceiver::set_partial_success(int64_t rejected, const std::string& message) {
  std::string bytes;
  if (rejected != 0 || !message.empty()) {
    google::protobuf::UnknownFieldSet partial, response;
    if (rejected != 0) partial.AddVarint(1, static_cast<uint64_t>(rejected));
    if (!message.empty()) partial.AddLengthDelimited(2, message);
    std::string partial_bytes;
    partial.SerializeToString(&partial_bytes);
    response.AddLengthDelimited(1, partial_bytes);
    response.SerializeToString(&bytes);
  }
  std::lock_guard lock(mutex_);
  response_ = bytes;
}

std::map<std::string, std::string> OtlpReceiver::last_headers() const {
  std::lock_guard lock(mutex_);
  return headers_;
}

void OtlpReceiver::record_headers(std::map<std::string, std::string> headers) {
  std::lock_guard lock(mutex_);
  headers_ = std::move(headers);
}

std::string OtlpReceiver::response_bytes() const {
  std::lock_guard lock(mutex_);
  return response_;
}

std::vector<ReceivedSpan> OtlpReceiver::spans() const {
  std::lock_guard lock(mutex_);
  return spans_;
}

bool OtlpReceiver::wait_for(const std::function<bool(const std::vector<ReceivedSpan>&)>& pred,
                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return pred(spans_); });
}

}  // namespace ksight::otel::testing
