// Kernel + real peers: nginx (server), curl (client), `ksight agent --http
// --otlp-endpoint` capturing socket syscalls, and the OTLP receiver built
// from the official protos. Root only.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "agent_argv.h"
#include "http_kernel_support.h"
#include "otlp_receiver.h"
#include "support/subprocess.h"
#include "test_certs.h"

namespace ksight::otel {
namespace {

using namespace std::chrono_literals;
using ksight::testing::Subprocess;
using otel::testing::curl;
using otel::testing::find;
using otel::testing::free_port;
using otel::testing::HttpSpansKernel;
using otel::testing::metric_value;
using otel::testing::Nginx;
using otel::testing::OtlpReceiver;
using otel::testing::PythonHttpServer;
using otel::testing::ReceivedSpan;
using otel::testing::ReceiverMode;
using otel::testing::rss_kib;
namespace fs = std::filesystem;

const char* kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const char* kParentId = "00f067aa0ba902b7";

// Each capture path of bpf/http.bpf.c: the sock:sock_{recv,send}_length
// tracepoints (what auto picks here) and the syscalls tracepoints fallback.
class HttpSpansHooks : public HttpSpansKernel, public ::testing::WithParamInterface<std::string> {};
INSTANTIATE_TEST_SUITE_P(Hooks, HttpSpansHooks, ::testing::Values("sock", "syscalls"),
                         [](const auto& info) { return info.param; });

TEST_P(HttpSpansHooks, ServerAndClientSpansWithTraceparent) {
  OtlpReceiver receiver(true);
  Nginx nginx;
  int mport = free_port();
  auto agent = start_agent(receiver.endpoint(), mport, /*print=*/true, GetParam());
  std::string base = "http://127.0.0.1:" + std::to_string(nginx.port());
  ASSERT_EQ(curl(base + "/items/42?x=1"), 0);
  ASSERT_EQ(curl(base + "/joined",
                 {std::string("traceparent: 00-") + kTraceId + "-" + kParentId + "-01"}),
            0);
  ASSERT_EQ(curl(base + "/err"), 0);

  namespace pb = opentelemetry::proto::trace::v1;
  // Every span asserted on below: spans leave in batches, and under load the
  // CLIENT /joined span (not waited for before) could come a batch later.
  bool all = receiver.wait_for(
      [](const std::vector<ReceivedSpan>& s) {
        return find(s, pb::Span::SPAN_KIND_SERVER, "/items/42", "nginx") &&
               find(s, pb::Span::SPAN_KIND_CLIENT, "/items/42", "curl") &&
               find(s, pb::Span::SPAN_KIND_SERVER, "/joined", "nginx") &&
               find(s, pb::Span::SPAN_KIND_CLIENT, "/joined", "curl") &&
               find(s, pb::Span::SPAN_KIND_SERVER, "/err", "nginx");
      },
      30s);
  auto spans = receiver.spans();
  ASSERT_TRUE(all) << "spans received: " << spans.size() << "\nagent stdout:\n" << agent->out();

  const ReceivedSpan* server = find(spans, pb::Span::SPAN_KIND_SERVER, "/items/42", "nginx");
  EXPECT_EQ(server->span.name(), "GET");
  EXPECT_EQ(server->attr("http.request.method"), "GET");
  EXPECT_EQ(server->attr("http.response.status_code"), "200");
  EXPECT_EQ(server->attr("server.address"), "127.0.0.1");
  EXPECT_EQ(server->attr("server.port"), std::to_string(nginx.port()));
  EXPECT_EQ(server->attr("client.address"), "127.0.0.1");
  EXPECT_EQ(server->attr("network.protocol.version"), "1.1");
  EXPECT_EQ(server->resource.at("process.executable.name"), "nginx");
  EXPECT_FALSE(server->resource.at("host.name").empty());
  EXPECT_GT(server->span.end_time_unix_nano(), server->span.start_time_unix_nano());
  EXPECT_NEAR(
      static_cast<double>(server->span.start_time_unix_nano()) / 1e9,
      static_cast<double>(std::chrono::system_clock::now().time_since_epoch().count()) / 1e9, 120);

  EXPECT_EQ(server->attr("url.scheme"), "http");
  EXPECT_EQ(server->attr("url.query"), "x=1");

  const ReceivedSpan* client = find(spans, pb::Span::SPAN_KIND_CLIENT, "/items/42", "curl");
  EXPECT_EQ(client->attr("url.full"), base + "/items/42?x=1");
  EXPECT_EQ(client->attr("server.port"), std::to_string(nginx.port()));
  EXPECT_EQ(client->attr("http.response.status_code"), "200");

  const ReceivedSpan* joined = find(spans, pb::Span::SPAN_KIND_SERVER, "/joined", "nginx");
  EXPECT_EQ(joined->trace_id_hex(), kTraceId);
  EXPECT_EQ(joined->parent_span_id_hex(), kParentId);
  const ReceivedSpan* joined_client = find(spans, pb::Span::SPAN_KIND_CLIENT, "/joined", "curl");
  ASSERT_NE(joined_client, nullptr);
  EXPECT_EQ(joined_client->trace_id_hex(), kTraceId);

  const ReceivedSpan* err = find(spans, pb::Span::SPAN_KIND_SERVER, "/err", "nginx");
  EXPECT_EQ(err->attr("http.response.status_code"), "503");
  EXPECT_EQ(err->span.status().code(), pb::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(err->attr("error.type"), "503");

  std::string text = metrics(mport);
  EXPECT_NE(text.find("http_requests_total{method=\"GET\",path=\"/items/{id}\",status=\"200\","
                      "service=\"nginx\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{method=\"GET\",path=\"/err\","
                      "status=\"503\",service=\"nginx\",le=\"0.005\"}"),
            std::string::npos);
}

TEST_F(HttpSpansKernel, ReceiverRefusesDelaysAndDisappears) {
  OtlpReceiver receiver(true);
  Nginx nginx;
  int mport = free_port();
  auto agent = start_agent(receiver.endpoint(), mport);
  std::string base = "http://127.0.0.1:" + std::to_string(nginx.port());

  receiver.set_mode(ReceiverMode::kRefuse);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(curl(base + "/refused"), 0);
  std::this_thread::sleep_for(7s);  // one batch timeout: an attempt is refused
  receiver.set_mode(ReceiverMode::kAccept);
  receiver.set_delay(3s);
  receiver.stop();
  long rss_before = rss_kib(agent->pid());
  httplib::Client c("127.0.0.1", nginx.port());
  for (int i = 0; i < 3000; ++i) c.Get("/gone/" + std::to_string(i));
  std::this_thread::sleep_for(7s);
  long rss_after = rss_kib(agent->pid());
  EXPECT_LT(rss_after - rss_before, 64 * 1024) << "agent RSS grew from " << rss_before << " KiB";

  std::string text = metrics(mport);
  ASSERT_FALSE(text.empty()) << "agent died: " << agent->err();
  EXPECT_NE(text.find("ksight_otlp_exports_total{transport=\"grpc\",result=\"retryable_error\"}"),
            std::string::npos)
      << text;
  std::smatch m;
  std::regex dropped("ksight_spans_dropped_total\\{reason=\"queue_full\"\\} ([0-9.e+]+)");
  ASSERT_TRUE(std::regex_search(text, m, dropped)) << text;
  EXPECT_GT(std::stod(m[1]), 0);  // 6000 spans into a 4096-span queue

  receiver.start();  // back on the same port, slow: spans still arrive
  ASSERT_EQ(curl(base + "/back"), 0);
  namespace pb = opentelemetry::proto::trace::v1;
  EXPECT_TRUE(receiver.wait_for(
      [](const auto& s) { return find(s, pb::Span::SPAN_KIND_SERVER, "/back", "nginx"); }, 90s));
  EXPECT_FALSE(agent->wait(0ms).has_value()) << "agent exited";
}

// A plain TCP conversation (not HTTP, not TLS): after its first
// KSIGHT_HTTP_CLASSIFY_PAYLOADS (8) payloads per socket the kernel stops
// sending it, and says so in ksight_http_kernel_payloads_total{skipped}.
TEST_P(HttpSpansHooks, NonHttpSocketsAreSkippedInTheKernel) {
  OtlpReceiver receiver(true);
  int mport = free_port();
  auto agent = start_agent(receiver.endpoint(), mport, /*print=*/false, GetParam());
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(lfd, 1), 0);
  ASSERT_EQ(getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int cfd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(cfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  int sfd = accept(lfd, nullptr, nullptr);
  ASSERT_GE(sfd, 0);
  // One write then one read at a time, so every read returns one write.
  char buf[64];
  for (int i = 0; i < 20; ++i) {
    std::string msg = "ping number " + std::to_string(i) + " of a binary-ish protocol";
    ASSERT_EQ(write(cfd, msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
    ASSERT_EQ(read(sfd, buf, sizeof buf), static_cast<ssize_t>(msg.size()));
  }
  close(sfd);
  close(cfd);
  close(lfd);
  // 12 skipped on each of the two sockets; other processes may add more.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  std::string text;
  double skipped = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    text = metrics(mport);
    skipped = metric_value(text, "ksight_http_kernel_payloads_total{outcome=\"skipped\"}");
    if (skipped >= 24 &&
        metric_value(text, "ksight_http_parser_events_total{event=\"other_connection\"}") >= 1) {
      break;
    }
    std::this_thread::sleep_for(200ms);  // the agent's collect timer publishes the counters
  }
  EXPECT_GE(skipped, 24) << text;
  EXPECT_GE(metric_value(text, "ksight_http_parser_events_total{event=\"other_connection\"}"), 1)
      << text;
}

// A PROPFIND from this process whose body goes in ten writes: the socket
// must be classified HTTP in the kernel at its first bytes, or after
// KSIGHT_HTTP_CLASSIFY_PAYLOADS payloads it is skipped and the response
// never arrives. Returns the response's bytes.
std::string propfind_in_many_writes(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "";
  std::string head = "PROPFIND " + path + " HTTP/1.1\r\nHost: dav\r\nContent-Length: 100\r\n\r\n";
  bool sent = write(fd, head.data(), head.size()) == static_cast<ssize_t>(head.size());
  for (int i = 0; sent && i < 10; ++i) sent = write(fd, "0123456789", 10) == 10;
  std::string response;
  char buf[512];
  while (sent && response.find("multistatus") == std::string::npos) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return response;
}

// WebDAV's PROPFIND, an extension method: curl sends twelve on one
// keep-alive connection, and this process one whose body takes ten writes
// (above). Both sides' spans say "_OTHER" and the method itself; the
// metrics count them under "_OTHER".
TEST_P(HttpSpansHooks, ExtensionMethodsOnAKeepAliveConnection) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "needs python3";
  PythonHttpServer server(R"PY(
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_PROPFIND(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"<d:multistatus xmlns:d='DAV:'/>"
        self.send_response(207)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
)PY");
  ASSERT_TRUE(server.serving());
  int port = server.port();
  OtlpReceiver receiver(true);
  int mport = free_port();
  std::string self_comm;
  std::getline(std::ifstream("/proc/self/comm"), self_comm);
  auto agent = start_agent(receiver.endpoint(), mport, false, GetParam(),
                           {"--http-comm", "python3,curl," + self_comm});
  std::vector<std::string> argv = {"/usr/bin/curl", "-s", "--noproxy", "*", "-X", "PROPFIND"};
  const int kRequests = 12;
  for (int i = 1; i <= kRequests; ++i) {
    argv.insert(argv.end(), {"-o", "/dev/null"});
    argv.push_back("http://127.0.0.1:" + std::to_string(port) + "/dav/" + std::to_string(i));
  }
  ASSERT_EQ(ksight::testing::run(argv, 20s).exit_code, 0);
  ASSERT_NE(propfind_in_many_writes(port, "/upload").find(" 207 "), std::string::npos);
  namespace pb = opentelemetry::proto::trace::v1;
  const std::string last = "/dav/" + std::to_string(kRequests);
  ASSERT_TRUE(receiver.wait_for(
      [&](const auto& s) {
        return find(s, pb::Span::SPAN_KIND_SERVER, last, "python3") &&
               find(s, pb::Span::SPAN_KIND_CLIENT, last, "curl") &&
               find(s, pb::Span::SPAN_KIND_CLIENT, "/upload", self_comm);
      },
      30s))
      << "spans received: " << receiver.spans().size();
  auto spans = receiver.spans();
  const ReceivedSpan* upload = find(spans, pb::Span::SPAN_KIND_CLIENT, "/upload", self_comm);
  EXPECT_EQ(upload->attr("http.request.method_original"), "PROPFIND");
  for (auto kind : {pb::Span::SPAN_KIND_SERVER, pb::Span::SPAN_KIND_CLIENT}) {
    const ReceivedSpan* span =
        find(spans, kind, last, kind == pb::Span::SPAN_KIND_SERVER ? "python3" : "curl");
    EXPECT_EQ(span->span.name(), "HTTP");
    EXPECT_EQ(span->attr("http.request.method"), "_OTHER");
    EXPECT_EQ(span->attr("http.request.method_original"), "PROPFIND");
    EXPECT_EQ(span->attr("http.response.status_code"), "207");
  }
  std::string series =
      "http_requests_total{method=\"_OTHER\",path=\"/dav/{id}\",status=\"207\","
      "service=\"python3\"}";
  EXPECT_EQ(metric_value(metrics(mport), series), kRequests);
}

// Every socket call the capture follows, server and client side: read/
// write, recvfrom/sendto, readv/writev, recvmsg/sendmsg (a workload doing
// one exchange per shape), and nginx's sendfile for a static file whose
// body the capture sees as a length only.
TEST_P(HttpSpansHooks, EverySocketCallShapeIsCaptured) {
  OtlpReceiver receiver(true);
  Nginx nginx;
  int mport = free_port();
  auto agent = start_agent(receiver.endpoint(), mport, /*print=*/false, GetParam());
  auto shapes = ksight::testing::run({KSIGHT_HTTP_SHAPES}, 20s);
  ASSERT_EQ(shapes.exit_code, 0) << shapes.out << shapes.err;
  std::string base = "http://127.0.0.1:" + std::to_string(nginx.port());
  ASSERT_EQ(curl(base + "/static/big.bin"), 0);
  ASSERT_EQ(curl(base + "/after-sendfile"), 0);

  namespace pb = opentelemetry::proto::trace::v1;
  const std::vector<std::string> paths = {"/write", "/sendto", "/writev", "/sendmsg"};
  bool all = receiver.wait_for(
      [&](const std::vector<ReceivedSpan>& s) {
        for (const auto& path : paths) {
          if (!find(s, pb::Span::SPAN_KIND_SERVER, path, "ksight_http_sha") ||
              !find(s, pb::Span::SPAN_KIND_CLIENT, path, "ksight_http_sha")) {
            return false;
          }
        }
        return find(s, pb::Span::SPAN_KIND_SERVER, "/static/big.bin", "nginx") &&
               find(s, pb::Span::SPAN_KIND_SERVER, "/after-sendfile", "nginx");
      },
      30s);
  auto spans = receiver.spans();
  ASSERT_TRUE(all) << "spans received: " << spans.size();
  for (const auto& path : paths) {
    const ReceivedSpan* server = find(spans, pb::Span::SPAN_KIND_SERVER, path, "ksight_http_sha");
    EXPECT_EQ(server->attr("http.response.status_code"), "200") << path;
    EXPECT_EQ(server->attr("user_agent.original"), "shapes") << path;
  }
  // The sendfile body was skipped by its length: the next request on a new
  // connection and the static one itself are both whole exchanges.
  const ReceivedSpan* big = find(spans, pb::Span::SPAN_KIND_SERVER, "/static/big.bin", "nginx");
  EXPECT_EQ(big->attr("http.response.status_code"), "200");
  EXPECT_GE(big->span.end_time_unix_nano(), big->span.start_time_unix_nano());
}

// --http-comm nginx: nginx's SERVER spans, and nothing of curl's, whose
// socket calls the kernel side drops before copying them.
TEST_P(HttpSpansHooks, CommFilterCapturesOnlyTheSelectedProcesses) {
  OtlpReceiver receiver(true);
  Nginx nginx;
  int mport = free_port();
  auto agent = start_agent(receiver.endpoint(), mport, /*print=*/false, GetParam(),
                           {"--http-comm", "nginx"});
  std::string base = "http://127.0.0.1:" + std::to_string(nginx.port());
  ASSERT_EQ(curl(base + "/selected/1"), 0);
  ASSERT_EQ(curl(base + "/selected/2"), 0);

  namespace pb = opentelemetry::proto::trace::v1;
  // Payload records reach the agent in the order they were reserved, and
  // spans leave in the order they were paired: curl's reply to request 1,
  // if it had been captured, would arrive no later than nginx's span of
  // request 2.
  bool both = receiver.wait_for(
      [](const std::vector<ReceivedSpan>& s) {
        return find(s, pb::Span::SPAN_KIND_SERVER, "/selected/1", "nginx") &&
               find(s, pb::Span::SPAN_KIND_SERVER, "/selected/2", "nginx");
      },
      30s);
  auto spans = receiver.spans();
  ASSERT_TRUE(both) << "spans received: " << spans.size();
  for (const auto& s : spans) {
    EXPECT_NE(s.resource.at("service.name"), "curl") << s.attr("url.path");
    EXPECT_NE(s.span.kind(), pb::Span::SPAN_KIND_CLIENT) << s.attr("url.path");
  }
  std::string text = metrics(mport);
  EXPECT_NE(text.find("service=\"nginx\""), std::string::npos) << text;
  EXPECT_EQ(text.find("service=\"curl\""), std::string::npos) << text;
}

// The DaemonSet's way: no HTTP flag at all, the http section of the
// An HTTP/1.0 server (Python's http.server) sends no length: the body runs
// to the close. The server here writes its headers, waits 300 ms, then the
// body: the span must end at the body (its close is not captured; the agent
// ends it when the connection has gone quiet), not at the headers.
TEST_F(HttpSpansKernel, Http10ResponseUntilCloseEndsAtItsBody) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "needs python3";
  PythonHttpServer server(R"PY(
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.flush()
        time.sleep(0.3)
        self.wfile.write(b"late body\n")
)PY");
  ASSERT_TRUE(server.serving());
  int port = server.port();
  OtlpReceiver receiver(true);
  int mport = free_port();
  auto agent = start_agent(receiver.endpoint(), mport, false, "auto", {"--http-comm", "python3"});
  ASSERT_EQ(curl("http://127.0.0.1:" + std::to_string(port) + "/slow-body"), 0);
  namespace pb = opentelemetry::proto::trace::v1;
  auto server_span = [](const std::vector<ReceivedSpan>& spans) {
    return find(spans, pb::Span::SPAN_KIND_SERVER, "/slow-body", "python3");
  };
  ASSERT_TRUE(receiver.wait_for([&](const auto& s) { return server_span(s) != nullptr; }, 30s))
      << "spans received: " << receiver.spans().size();
  auto spans = receiver.spans();
  const ReceivedSpan* span = server_span(spans);
  EXPECT_EQ(span->attr("http.response.status_code"), "200");
  EXPECT_EQ(span->attr("network.protocol.version"), "1.0");  // curl asked in 1.1
  uint64_t ns = span->span.end_time_unix_nano() - span->span.start_time_unix_nano();
  EXPECT_GE(ns, 300'000'000u);
  EXPECT_LT(ns, 3'000'000'000u);
}

// --config file selects nginx, names its service and its route.
// Everything from the file, export included: OTLP/HTTP over mutual TLS to a
// traces URL with its own path (used as is, nothing appended).
TEST_F(HttpSpansKernel, ConfigFileAloneTurnsTheCaptureOn) {
  const auto& certs = otel::testing::test_certs();
  OtlpReceiver receiver(false, 0,
                        {.cert_file = certs.server_cert,
                         .key_file = certs.server_key,
                         .client_ca_file = certs.ca,
                         .http_path = "/otlp/spans"});
  Nginx nginx;
  int mport = free_port();
  fs::path config =
      fs::temp_directory_path() / ("ksight-http-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(config) << "listen: 127.0.0.1:" << mport << "\n"
                        << "sources: {syscalls: false, kmem: false, net: false}\n"
                           "profiler: {enabled: false}\n"
                           "security: {enabled: false}\n"
                           "http:\n"
                           "  otlp_protocol: http/protobuf\n"
                           "  otlp_traces_endpoint: "
                        << receiver.endpoint() << "/otlp/spans\n"
                        << "  otlp_certificate: " << certs.ca << "\n"
                        << "  otlp_client_certificate: " << certs.client_cert << "\n"
                        << "  otlp_client_key: " << certs.client_key << "\n"
                        << "  resource_attributes: [deployment.environment=ci]\n"
                        << "  export_batch_size: 1\n"  // every span its own request
                        << "  comm: [nginx]\n"
                           "  routes:\n"
                           "    - /orders/{id}\n"
                           "  service_names: nginx=storefront\n"
                           "  duration_buckets: [0.25, 2]\n"
                           "  max_paths: 1\n";
  Subprocess agent({KSIGHT_BIN, "agent", "--config", config.string()});
  ASSERT_TRUE(agent.wait_for_output("ksight agent running", 60s, /*from_stderr=*/true))
      << agent.err();
  std::string base = "http://127.0.0.1:" + std::to_string(nginx.port());
  ASSERT_EQ(curl(base + "/orders/7"), 0);
  ASSERT_EQ(curl(base + "/elsewhere"), 0);  // a second path: over max_paths

  namespace pb = opentelemetry::proto::trace::v1;
  bool got = receiver.wait_for(
      [](const std::vector<ReceivedSpan>& s) {
        return find(s, pb::Span::SPAN_KIND_SERVER, "/orders/7", "storefront") &&
               find(s, pb::Span::SPAN_KIND_SERVER, "/elsewhere", "storefront");
      },
      30s);
  auto spans = receiver.spans();
  fs::remove(config);
  ASSERT_TRUE(got) << "spans received: " << spans.size() << "\n" << agent.err();
  const auto* server = find(spans, pb::Span::SPAN_KIND_SERVER, "/orders/7", "storefront");
  EXPECT_EQ(server->attr("http.route"), "/orders/{id}");
  EXPECT_EQ(server->resource.at("deployment.environment"), "ci");
  EXPECT_EQ(receiver.requests(), spans.size());
  for (const auto& s : spans)
    EXPECT_NE(s.span.kind(), pb::Span::SPAN_KIND_CLIENT);  // curl: not selected
  std::string text = metrics(mport);
  EXPECT_NE(text.find("path=\"/orders/{id}\""), std::string::npos) << text;
  EXPECT_NE(text.find("service=\"storefront\""), std::string::npos) << text;
  // The configured buckets and nothing of the defaults; the second path is
  // past the guard once the series of the first have been seen.
  EXPECT_NE(text.find("path=\"/orders/{id}\",status=\"200\",service=\"storefront\",le=\"0.25\"}"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("le=\"0.005\""), std::string::npos) << text;
  EXPECT_EQ(text.find("path=\"/elsewhere\""), std::string::npos) << text;
  EXPECT_NE(text.find("path=\"{other}\""), std::string::npos) << text;
}

// Sends `request` as is on a new connection to 127.0.0.1:port and reads
// until the server closes it.
void raw_http(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  char buf[4096];
  while (read(fd, buf, sizeof buf) > 0) {
  }
  close(fd);
}

// A path of raw bytes (any client can send one): the span still reaches the
// receiver, whose official protos refuse a request with a string that is not
// UTF-8, and the metrics still pass Prometheus' parser rules.
TEST_F(HttpSpansKernel, PathBytesThatAreNotUtf8ArriveAsReplacementCharacters) {
  OtlpReceiver receiver(true);
  Nginx nginx;
  int mport = free_port();
  auto agent = start_agent(receiver.endpoint(), mport, false, "auto", {"--http-comm", "nginx"});
  raw_http(nginx.port(), "GET /caf\xe9/\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string fffd = "\xef\xbf\xbd";
  const std::string path = "/caf" + fffd + "/" + fffd;
  namespace pb = opentelemetry::proto::trace::v1;
  bool got = receiver.wait_for(
      [&](const std::vector<ReceivedSpan>& s) {
        return find(s, pb::Span::SPAN_KIND_SERVER, path, "nginx") != nullptr;
      },
      30s);
  EXPECT_TRUE(got) << "spans received: " << receiver.spans().size();
  std::string text = metrics(mport);
  EXPECT_NE(text.find("path=\"" + path + "\""), std::string::npos) << text;
  EXPECT_EQ(text.find("\xff"), std::string::npos);
}

TEST_F(HttpSpansKernel, BadCommListStopsTheAgentWithAClearError) {
  auto nine = ksight::testing::run(
      {KSIGHT_BIN, "agent", "--listen", "127.0.0.1:0", "--http-comm", "a,b,c,d,e,f,g,h,i"}, 30s);
  EXPECT_NE(nine.exit_code, 0);
  EXPECT_NE(nine.err.find("at most 8 process names can be selected, got 9"), std::string::npos)
      << nine.err;
  auto none = ksight::testing::run(
      {KSIGHT_BIN, "agent", "--listen", "127.0.0.1:0", "--http-comm", " , "}, 30s);
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.err.find("--http-comm: nothing given"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace ksight::otel
