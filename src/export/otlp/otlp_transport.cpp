#include "export/otlp/otlp_transport.h"

#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <cctype>
#include <future>

#include "common/error.h"
#include "common/gzip.h"
#include "export/otlp/otlp_wire.h"
#include "export/otlp/tls_files.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace ksight::otel {
namespace {

namespace collector = opentelemetry::proto::collector::trace::v1;

bool grpc_retryable(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

// The endpoint without its scheme: gRPC's target. The SDKs' environment
// gives gRPC endpoints as URLs (http://collector:4317), which gRPC would take
// as a resolver scheme.
std::string grpc_target(const std::string& endpoint) {
  std::string_view t = endpoint;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (t.starts_with(scheme)) {
      t.remove_prefix(scheme.size());
      t = t.substr(0, t.find('/'));
    }
  }
  return std::string(t);
}

std::shared_ptr<grpc::ChannelCredentials> grpc_credentials(const TransportOptions& options) {
  if (!uses_tls(options)) return grpc::InsecureChannelCredentials();
  TlsPem pem = load_tls_files(options.tls);  // checked: gRPC would only fail at the handshake
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = std::move(pem.ca_certificate);
  ssl.pem_cert_chain = std::move(pem.client_certificate);
  ssl.pem_private_key = std::move(pem.client_key);
  return grpc::SslCredentials(ssl);
}

// gRPC metadata keys must be lowercase; HTTP header names are not case
// sensitive, so the same configured header works for both.
std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A 2xx / OK answer; its body may still report rejected spans.
ExportResult accepted(std::string_view response) {
  ExportResult r{true, false, {}};
  if (auto partial = parse_export_response(response)) {
    r.rejected = static_cast<uint64_t>(std::max<int64_t>(partial->rejected_spans, 0));
    r.error = partial->error_message;
  }
  return r;
}

std::string byte_buffer_text(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// TraceService/Export through gRPC's generic stub: the request is already
// in wire form (otlp_wire.h), so no message object is built for gRPC to
// serialise again.
class GrpcTransport : public Transport {
 public:
  explicit GrpcTransport(const TransportOptions& options) : options_(options) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);  // BatchExporter owns the retry policy
    channel_ =
        grpc::CreateCustomChannel(grpc_target(options.endpoint), grpc_credentials(options), args);
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }
  const char* name() const override { return "grpc"; }

  ExportResult export_spans(const std::vector<Span>& spans) override {
    std::string bytes = serialize_export_request(spans);
    grpc::Slice slice(std::move(bytes));
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.timeout);
    if (options_.gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    for (const auto& [key, value] : options_.headers) ctx.AddMetadata(lowercase(key), value);
    std::promise<grpc::Status> done;
    stub_->UnaryCall(&ctx, kExportMethod, grpc::StubOptions(), &request, &response,
                     [&done](grpc::Status status) { done.set_value(std::move(status)); });
    grpc::Status status = done.get_future().get();
    if (status.ok()) return accepted(byte_buffer_text(response));
    return {false, grpc_retryable(status.error_code()),
            "grpc " + std::to_string(status.error_code()) + ": " + status.error_message()};
  }

 private:
  // The method path from the generated service, not spelled by hand.
  const std::string kExportMethod =
      std::string("/") + collector::TraceService::service_full_name() + "/Export";
  TransportOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
};

class HttpTransport : public Transport {
 public:
  explicit HttpTransport(const TransportOptions& options) : options_(options) {
    std::string url = options.endpoint;
    if (url.find("://") == std::string::npos)
      url = (uses_tls(options) ? "https://" : "http://") + url;
    size_t slash = url.find('/', url.find("://") + 3);
    path_ = slash == std::string::npos ? "" : url.substr(slash);
    if (options.endpoint_is_traces_url) {
      if (path_.empty()) path_ = "/";
    } else if (!path_.ends_with("/v1/traces")) {  // a base URL, maybe with a path prefix
      if (path_.ends_with("/")) path_.pop_back();
      path_ += "/v1/traces";
    }
    client_ = make_client(url.substr(0, slash), options);
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count();
    client_->set_connection_timeout(secs ? secs : 1);
    client_->set_read_timeout(secs ? secs : 1);
    client_->set_write_timeout(secs ? secs : 1);
  }
  const char* name() const override { return "http"; }

  ExportResult export_spans(const std::vector<Span>& spans) override {
    std::string body = serialize_export_request(spans);
    httplib::Headers headers(options_.headers.begin(), options_.headers.end());
    if (options_.gzip) {
      body = gzip_compress(body, kOtlpGzipLevel);
      headers.emplace("Content-Encoding", "gzip");
    }
    auto res = client_->Post(path_, headers, body, "application/x-protobuf");
    if (!res) return {false, true, "http: " + httplib::to_string(res.error())};
    int code = res->status;
    if (code >= 200 && code < 300) return accepted(res->body);
    bool retry = code == 429 || code == 502 || code == 503 || code == 504;
    return {false, retry, "http status " + std::to_string(code)};
  }

 private:
  // httplib verifies the server's certificate by default: against the
  // given CA file, or OpenSSL's default paths (the system's CAs).
  static std::unique_ptr<httplib::Client> make_client(const std::string& origin,
                                                      const TransportOptions& options) {
    if (!origin.starts_with("https://")) return std::make_unique<httplib::Client>(origin);
    load_tls_files(options.tls);  // a clear error now, not a failed handshake later
    auto client = std::make_unique<httplib::Client>(origin, options.tls.client_certificate,
                                                    options.tls.client_key);
    if (!client->is_valid()) {
      throw Error("OTLP TLS: the client certificate " + options.tls.client_certificate +
                  " or key " + options.tls.client_key + " is not valid PEM, or they do not match");
    }
    if (!options.tls.ca_certificate.empty()) client->set_ca_cert_path(options.tls.ca_certificate);
    return client;
  }

  TransportOptions options_;
  std::string path_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace

std::unique_ptr<Transport> make_grpc_transport(const TransportOptions& options) {
  return std::make_unique<GrpcTransport>(options);
}

std::unique_ptr<Transport> make_http_transport(const TransportOptions& options) {
  return std::make_unique<HttpTransport>(options);
}

std::unique_ptr<Transport> make_transport(const std::string& protocol,
                                          const TransportOptions& options) {
  std::unique_ptr<Transport> (*make)(const TransportOptions&) = nullptr;
  if (protocol == "grpc") make = make_grpc_transport;
  if (protocol == "http/protobuf" || protocol == "http") make = make_http_transport;
  if (!make) throw Error("unknown OTLP protocol '" + protocol + "' (grpc or http/protobuf)");
  const TlsFiles& tls = options.tls;
  bool has_files =
      !tls.ca_certificate.empty() || !tls.client_certificate.empty() || !tls.client_key.empty();
  if (!uses_tls(options) || !has_files) return make(options);
  return make_reloading_transport(tls, [make, options] { return make(options); });
}

bool uses_tls(const TransportOptions& options) {
  const std::string& e = options.endpoint;
  if (e.starts_with("https://")) return true;
  if (e.starts_with("http://") || e.starts_with("unix:")) return false;
  return !options.insecure;
}

bool is_loopback_endpoint(const std::string& endpoint) {
  std::string_view host = endpoint;
  if (host.starts_with("unix:")) return true;
  if (size_t scheme = host.find("://"); scheme != std::string_view::npos) {
    host.remove_prefix(scheme + 3);
  }
  host = host.substr(0, host.find('/'));
  if (host.starts_with('[')) {
    host = host.substr(1, host.find(']') - 1);
  } else if (host.find(':') == host.rfind(':')) {
    host = host.substr(0, host.find(':'));  // host:port, not a bare v6 address
  }
  in_addr v4{};
  in6_addr v6{};
  std::string text(host);
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return text == "localhost" || text.ends_with(".localhost");
}

}  // namespace ksight::otel
