// The real OTLP transports against the in-process receiver: gRPC and
// HTTP/protobuf, accepted, refused (retryable), rejected, delayed, gone.
#include "export/otlp/otlp_transport.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/error.h"
#include "otlp_receiver.h"
#include "test_certs.h"

namespace ksight::otel {
namespace {

using namespace std::chrono_literals;
using testing::OtlpReceiver;
using testing::ReceiverMode;

std::vector<Span> some_spans(size_t n) {
  ProcessIdentity id;
  id.pid = 42;
  id.comm = "nginx";
  auto resource = make_resource(id, "node");
  std::vector<Span> spans(n);
  IdGenerator ids(7);
  for (auto& s : spans) {
    s.trace_id = ids.trace_id();
    s.span_id = ids.span_id();
    s.name = "GET";
    s.kind = SpanKind::kServer;
    s.attributes.push_back({"http.response.status_code", int64_t{200}});
    s.resource = resource;
  }
  return spans;
}

class TransportTest : public ::testing::TestWithParam<bool> {};

TEST_P(TransportTest, DeliversRefusesRejectsAndTimesOut) {
  bool grpc = GetParam();
  OtlpReceiver receiver(grpc);
  auto t = make_transport(grpc ? "grpc" : "http/protobuf",
                          {.endpoint = receiver.endpoint(), .timeout = 1000ms});
  ExportResult ok = t->export_spans(some_spans(3));
  EXPECT_TRUE(ok.ok) << ok.error;
  auto got = receiver.spans();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].resource.at("service.name"), "nginx");
  EXPECT_EQ(got[0].attr("http.response.status_code"), "200");
  EXPECT_EQ(got[0].span.kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  if (!grpc) {
    EXPECT_EQ(receiver.gzip_requests(), 1u);
  }

  receiver.set_mode(ReceiverMode::kRefuse);
  ExportResult refused = t->export_spans(some_spans(1));
  EXPECT_FALSE(refused.ok);
  EXPECT_TRUE(refused.retryable);

  receiver.set_mode(ReceiverMode::kReject);
  ExportResult rejected = t->export_spans(some_spans(1));
  EXPECT_FALSE(rejected.ok);
  EXPECT_FALSE(rejected.retryable);

  receiver.set_mode(ReceiverMode::kAccept);
  receiver.set_delay(1500ms);
  ExportResult slow = t->export_spans(some_spans(1));
  EXPECT_FALSE(slow.ok);
  EXPECT_TRUE(slow.retryable);
  receiver.set_delay(0ms);

  receiver.stop();
  ExportResult gone = t->export_spans(some_spans(1));
  EXPECT_FALSE(gone.ok);
  EXPECT_TRUE(gone.retryable);

  receiver.start();  // back on the same port
  bool delivered = false;
  for (int i = 0; i < 20 && !delivered; ++i) {
    delivered = t->export_spans(some_spans(2)).ok;
    if (!delivered) std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(delivered);
}

// A receiver on opentelemetry-proto 0.19+ answers a partly refused request
// with partial_success; the transport reports it, and a warning without
// rejections, and nothing once the receiver stops sending it.
TEST_P(TransportTest, PartialSuccessIsReported) {
  bool grpc = GetParam();
  OtlpReceiver receiver(grpc);
  auto t = make_transport(grpc ? "grpc" : "http/protobuf",
                          {.endpoint = receiver.endpoint(), .timeout = 2000ms});
  receiver.set_partial_success(2, "2 spans too large");
  ExportResult partly = t->export_spans(some_spans(5));
  EXPECT_TRUE(partly.ok) << partly.error;
  EXPECT_EQ(partly.rejected, 2u);
  EXPECT_EQ(partly.error, "2 spans too large");

  receiver.set_partial_success(0, "attribute names will be truncated");
  ExportResult warned = t->export_spans(some_spans(1));
  EXPECT_TRUE(warned.ok);
  EXPECT_EQ(warned.rejected, 0u);
  EXPECT_EQ(warned.error, "attribute names will be truncated");

  receiver.set_partial_success(0, "");
  ExportResult plain = t->export_spans(some_spans(1));
  EXPECT_TRUE(plain.ok);
  EXPECT_EQ(plain.rejected, 0u);
  EXPECT_EQ(plain.error, "");
}

// Configured headers (a collector's auth, a tenant) reach the receiver as
// HTTP headers or gRPC metadata.
TEST_P(TransportTest, HeadersReachTheReceiver) {
  bool grpc = GetParam();
  OtlpReceiver receiver(grpc);
  TransportOptions o{.endpoint = receiver.endpoint(), .timeout = 2000ms};
  o.headers = {{"Authorization", "Bearer s3cret"}, {"x-scope-orgid", "tenant-1"}};
  auto t = make_transport(grpc ? "grpc" : "http/protobuf", o);
  ExportResult r = t->export_spans(some_spans(1));
  ASSERT_TRUE(r.ok) << r.error;
  auto headers = receiver.last_headers();
  EXPECT_EQ(headers["authorization"], "Bearer s3cret");
  EXPECT_EQ(headers["x-scope-orgid"], "tenant-1");
}

// OTEL_EXPORTER_OTLP_ENDPOINT gives gRPC endpoints as URLs.
TEST(OtlpEndpoint, GrpcTakesAnHttpUrl) {
  OtlpReceiver receiver(true);
  auto t = make_transport(
      "grpc",
      {.endpoint = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/", .timeout = 2000ms});
  ExportResult r = t->export_spans(some_spans(1));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(receiver.spans().size(), 1u);
}

// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the traces URL itself: its path is
// used as is; a base URL (OTEL_EXPORTER_OTLP_ENDPOINT) gets /v1/traces.
TEST(OtlpEndpoint, HttpTracesUrlIsUsedAsIs) {
  OtlpReceiver receiver(false, 0, {.http_path = "/otlp/spans"});
  std::string url = receiver.endpoint() + "/otlp/spans";
  auto exact = make_transport("http/protobuf",
                              {.endpoint = url, .endpoint_is_traces_url = true, .timeout = 2000ms});
  ExportResult r = exact->export_spans(some_spans(1));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(receiver.spans().size(), 1u);
  auto base = make_transport("http/protobuf", {.endpoint = url, .timeout = 2000ms});
  ExportResult appended = base->export_spans(some_spans(1));  // POST /otlp/spans/v1/traces
  EXPECT_FALSE(appended.ok);
  EXPECT_EQ(appended.error, "http status 404");
  EXPECT_EQ(receiver.spans().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Otlp, TransportTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "grpc" : "http"; });

// Both transports over TLS, against a receiver whose certificate the test
// CA signs (tests/otel/test_certs.h).
class TransportTlsTest : public ::testing::TestWithParam<bool> {
 protected:
  const testing::TestCerts& certs = testing::test_certs();
  const char* protocol() const { return GetParam() ? "grpc" : "http/protobuf"; }
  testing::ReceiverOptions server(bool require_client_cert = false) const {
    return {.cert_file = certs.server_cert,
            .key_file = certs.server_key,
            .client_ca_file = require_client_cert ? certs.ca : ""};
  }
};

TEST_P(TransportTlsTest, DeliversToACollectorTheGivenCaSigned) {
  OtlpReceiver receiver(GetParam(), 0, server());
  ASSERT_TRUE(receiver.endpoint().starts_with("https://"));
  TransportOptions o{.endpoint = receiver.endpoint(), .timeout = 5000ms};
  o.tls.ca_certificate = certs.ca;
  EXPECT_TRUE(uses_tls(o));
  ExportResult r = make_transport(protocol(), o)->export_spans(some_spans(2));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(receiver.spans().size(), 2u);
}

// A collector whose certificate no trusted CA signed gets nothing: not with
// another CA, not with the system's.
TEST_P(TransportTlsTest, RefusesAnUntrustedCollector) {
  OtlpReceiver receiver(GetParam(), 0, server());
  for (const std::string& ca : {certs.other_ca, std::string()}) {
    TransportOptions o{.endpoint = receiver.endpoint(), .timeout = 3000ms};
    o.tls.ca_certificate = ca;
    ExportResult r = make_transport(protocol(), o)->export_spans(some_spans(1));
    EXPECT_FALSE(r.ok) << "CA '" << ca << "'";
    EXPECT_TRUE(r.retryable);  // a renewed certificate may fix it: retried, then counted
  }
  EXPECT_EQ(receiver.requests(), 0u);
}

// Plaintext to a TLS collector fails; host:port with insecure=false is TLS.
TEST_P(TransportTlsTest, InsecureDecidesForEndpointsWithoutAScheme) {
  OtlpReceiver receiver(GetParam(), 0, server());
  TransportOptions o{.endpoint = "127.0.0.1:" + std::to_string(receiver.port()), .timeout = 3000ms};
  o.tls.ca_certificate = certs.ca;
  EXPECT_FALSE(uses_tls(o));
  EXPECT_FALSE(make_transport(protocol(), o)->export_spans(some_spans(1)).ok);
  o.insecure = false;
  EXPECT_TRUE(uses_tls(o));
  ExportResult r = make_transport(protocol(), o)->export_spans(some_spans(1));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(receiver.spans().size(), 1u);
}

TEST_P(TransportTlsTest, MutualTlsSendsTheClientCertificate) {
  OtlpReceiver receiver(GetParam(), 0, server(/*require_client_cert=*/true));
  TransportOptions o{.endpoint = receiver.endpoint(), .timeout = 3000ms};
  o.tls.ca_certificate = certs.ca;
  EXPECT_FALSE(make_transport(protocol(), o)->export_spans(some_spans(1)).ok);
  EXPECT_EQ(receiver.requests(), 0u);
  o.tls.client_certificate = certs.client_cert;
  o.tls.client_key = certs.client_key;
  ExportResult r = make_transport(protocol(), o)->export_spans(some_spans(1));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(receiver.spans().size(), 1u);
}

// Bad TLS files fail when the transport is made, naming the file.
TEST_P(TransportTlsTest, BadFilesAreErrorsAtTheStart) {
  auto error_of = [this](const TlsFiles& tls) -> std::string {
    TransportOptions o{.endpoint = "https://127.0.0.1:1", .tls = tls};
    try {
      make_transport(protocol(), o);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error_of({.ca_certificate = "/nonexistent/ca.pem"}),
            "OTLP TLS: cannot read the CA certificate /nonexistent/ca.pem: No such file or "
            "directory");
  EXPECT_NE(error_of({.client_certificate = certs.client_cert}).find("go together"),
            std::string::npos);
  EXPECT_EQ(error_of({.ca_certificate = certs.client_key}),
            "OTLP TLS: the CA certificate " + certs.client_key +
                " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  EXPECT_EQ(error_of({.client_certificate = certs.client_cert, .client_key = certs.server_key}),
            "OTLP TLS: the client key " + certs.server_key +
                " does not match the client certificate " + certs.client_cert);
  // A passphrase would be asked for on the terminal: refused, not waited for.
  EXPECT_NE(
      error_of({.client_certificate = certs.client_cert, .client_key = certs.encrypted_client_key})
          .find("holds no unencrypted PEM private key"),
      std::string::npos);
}

// A CA bundle renewed in place, as a mounted secret is (a new file renamed
// over the old one), reaches the running transport at its next export;
// files that do not load leave the previous ones in use.
TEST_P(TransportTlsTest, RenewedFilesAreReloaded) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("ksight-tls-renew-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string ca = (dir / "ca.pem").string();
  auto renew = [&ca](const std::string& text) {
    std::ofstream(ca + ".new") << text;
    fs::rename(ca + ".new", ca);
  };
  auto text_of = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  renew(text_of(certs.other_ca));
  OtlpReceiver receiver(GetParam(), 0, server());
  TransportOptions o{.endpoint = receiver.endpoint(), .timeout = 3000ms};
  o.tls.ca_certificate = ca;
  auto t = make_transport(protocol(), o);
  EXPECT_FALSE(t->export_spans(some_spans(1)).ok);  // the collector's CA is not trusted yet
  EXPECT_EQ(receiver.requests(), 0u);

  renew(text_of(certs.ca));
  ExportResult r = t->export_spans(some_spans(1));
  EXPECT_TRUE(r.ok) << r.error;

  // Had these replaced the transport, its next export would make a new
  // connection (gRPC: a new channel) and fail its handshake.
  renew("-----BEGIN CERTIFICATE-----\nhalf writ");
  r = t->export_spans(some_spans(2));
  EXPECT_TRUE(r.ok) << r.error;
  fs::remove(ca);
  r = t->export_spans(some_spans(1));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(receiver.spans().size(), 4u);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Otlp, TransportTlsTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "grpc" : "http"; });

TEST(OtlpEndpoint, LoopbackEndpointsAreRecognised) {
  for (const char* yes :
       {"localhost:4317", "127.0.0.1:4317", "127.1.2.3:4317", "[::1]:4317", "http://localhost:4318",
        "http://127.0.0.1:4318/v1/traces", "::1", "unix:/run/otel.sock", "http://[::1]:4318"}) {
    EXPECT_TRUE(is_loopback_endpoint(yes)) << yes;
  }
  for (const char* no :
       {"collector:4317", "10.0.0.7:4317", "http://otel.example.com:4318", "[2001:db8::1]:4317",
        "http://192.168.1.2:4318/v1/traces", "128.0.0.1:1"}) {
    EXPECT_FALSE(is_loopback_endpoint(no)) << no;
  }
}

TEST(ExporterThread, DeliversThroughGrpcAndCountsDropsWhenGone) {
  OtlpReceiver receiver(true);
  SteadyClock clock;
  metrics::Registry registry;
  BatchExporter exporter(make_grpc_transport({.endpoint = receiver.endpoint(), .timeout = 500ms}),
                         clock, registry,
                         {.max_queue = 100,
                          .max_batch = 10,
                          .batch_timeout = 50ms,
                          .initial_backoff = 50ms,
                          .max_backoff = 200ms,
                          .max_attempts = 2});
  {
    ExporterThread thread(exporter);
    for (auto& s : some_spans(25)) exporter.add(std::move(s));
    EXPECT_TRUE(receiver.wait_for([](const auto& s) { return s.size() == 25; }, 5s));
    receiver.stop();
    for (auto& s : some_spans(300)) exporter.add(std::move(s));
  }
  auto counts = exporter.counts();
  EXPECT_EQ(counts.exported, 25u);
  EXPECT_EQ(counts.dropped, 300u);
  // At most 200 pushed out of the full queue: the thread is woken per full
  // batch and may take some while they arrive; the rest failed while the
  // receiver was gone. Every one is counted under some reason.
  auto dropped = [&](const char* reason) {
    return registry.counter("ksight_spans_dropped_total", "", {"reason"}).value({reason});
  };
  EXPECT_LE(dropped("queue_full"), 200);
  EXPECT_EQ(dropped("queue_full") + dropped("retries_exhausted") + dropped("rejected") +
                dropped("shutdown"),
            300);
}

}  // namespace
}  // namespace ksight::otel
