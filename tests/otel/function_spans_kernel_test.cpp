// Kernel: function spans by uprobe. A tiny HTTP server (workloads/
// funcspan_server.c) calls ksight_handle_request (sleeps 30 ms) and the
// recursive ksight_recurse(3) per request; curl drives it; `ksight agent
// --http-function-span` exports to the OTLP receiver built from the
// official protos. Root only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "agent_argv.h"
#include "otlp_receiver.h"
#include "support/ports.h"
#include "support/subprocess.h"

namespace ksight::otel {
namespace {

using namespace std::chrono_literals;
using ksight::testing::free_port;
using ksight::testing::Subprocess;
using otel::testing::OtlpReceiver;
using otel::testing::ReceivedSpan;
namespace pb = opentelemetry::proto::trace::v1;
namespace fs = std::filesystem;

constexpr uint64_t kSleepNs = 30'000'000;  // the server's nanosleep per request
constexpr int kRequests = 5;

struct Server {
  std::unique_ptr<Subprocess> proc;
  int port = 0;
};

Server start_server() {
  Server s;
  s.proc = std::make_unique<Subprocess>(
      std::vector<std::string>{KSIGHT_FUNCSPAN_SERVER, "0", std::to_string(kSleepNs / 1'000'000)});
  if (!s.proc->wait_for_output("\n", 10s)) throw std::runtime_error("server did not start");
  s.port = std::stoi(s.proc->out().substr(s.proc->out().find(' ') + 1));
  return s;
}

int curl(const std::string& url) {
  return ksight::testing::run({"/usr/bin/curl", "-s", "-o", "/dev/null", "--noproxy", "*", url},
                              20s)
      .exit_code;
}

std::unique_ptr<Subprocess> start_agent(const std::string& otlp,
                                        const std::vector<std::string>& extra,
                                        int metrics_port = 0) {
  std::vector<std::string> argv = otel::testing::http_agent_argv(otlp, metrics_port);
  argv.insert(argv.end(), extra.begin(), extra.end());
  return std::make_unique<Subprocess>(argv);
}

uint64_t duration(const ReceivedSpan& s) {
  return s.span.end_time_unix_nano() - s.span.start_time_unix_nano();
}

class FunctionSpansKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (BPF)";
    if (!fs::exists("/usr/bin/curl")) GTEST_SKIP() << "needs curl";
  }
};

TEST_F(FunctionSpansKernel, InternalSpanPerCallUnderTheServerSpan) {
  OtlpReceiver receiver(true);
  Server server = start_server();
  std::string bin = KSIGHT_FUNCSPAN_SERVER;
  auto agent = start_agent(receiver.endpoint(),
                           {"--http-function-span", bin + ":ksight_handle_request=handle request",
                            "--http-function-span", bin + ":ksight_recurse"});
  ASSERT_TRUE(agent->wait_for_output("ksight agent running", 60s, /*from_stderr=*/true))
      << agent->err();
  ASSERT_NE(agent->err().find("sources.function_spans attached"), std::string::npos)
      << agent->err();
  std::string base = "http://127.0.0.1:" + std::to_string(server.port);
  for (int i = 0; i < kRequests; ++i) ASSERT_EQ(curl(base + "/req/" + std::to_string(i)), 0);

  auto count = [](const std::vector<ReceivedSpan>& spans, const std::string& name) {
    return std::count_if(spans.begin(), spans.end(),
                         [&](const ReceivedSpan& s) { return s.span.name() == name; });
  };
  bool all = receiver.wait_for(
      [&](const std::vector<ReceivedSpan>& s) {
        return count(s, "handle request") >= kRequests &&
               count(s, "ksight_recurse") >= 4 * kRequests;
      },
      30s);
  auto spans = receiver.spans();
  ASSERT_TRUE(all) << "spans received: " << spans.size() << "\n" << agent->err();

  std::map<std::string, const ReceivedSpan*> servers;  // span id → server span
  for (const auto& s : spans) {
    if (s.span.kind() == pb::Span::SPAN_KIND_SERVER && s.attr("url.path").rfind("/req/", 0) == 0) {
      servers[s.span_id_hex()] = &s;
    }
  }
  ASSERT_EQ(servers.size(), size_t{kRequests});
  std::map<std::string, int> handled, recursed;  // per server span id
  for (const auto& s : spans) {
    if (s.span.kind() != pb::Span::SPAN_KIND_INTERNAL) continue;
    auto parent = servers.find(s.parent_span_id_hex());
    ASSERT_NE(parent, servers.end()) << s.span.name() << " parent " << s.parent_span_id_hex();
    const ReceivedSpan& srv = *parent->second;
    EXPECT_EQ(s.trace_id_hex(), srv.trace_id_hex());
    EXPECT_GE(s.span.start_time_unix_nano(), srv.span.start_time_unix_nano());
    EXPECT_LE(s.span.end_time_unix_nano(), srv.span.end_time_unix_nano());
    EXPECT_EQ(s.attr("code.filepath"), bin);
    EXPECT_EQ(s.resource.at("process.pid"), std::to_string(server.proc->pid()));
    if (s.span.name() == "handle request") {
      ++handled[parent->first];
      EXPECT_EQ(s.attr("code.function"), "ksight_handle_request");
      EXPECT_GE(duration(s), kSleepNs);
      EXPECT_LT(duration(s), 10 * kSleepNs);
    } else {
      ++recursed[parent->first];
      EXPECT_EQ(s.attr("code.function"), "ksight_recurse");
      EXPECT_LT(duration(s), kSleepNs);
    }
  }
  for (const auto& [id, srv] : servers) {
    EXPECT_EQ(handled[id], 1) << srv->attr("url.path");
    EXPECT_EQ(recursed[id], 4) << srv->attr("url.path");
  }
}

// The server's nanosleep (glibc: clock_nanosleep) in each request becomes a
// span under that request; accept() blocking between requests does not.
TEST_F(FunctionSpansKernel, SlowSyscallSpanUnderTheServerSpan) {
  OtlpReceiver receiver(true);
  Server server = start_server();
  auto agent = start_agent(receiver.endpoint(), {"--http-slow-syscall", "10ms"});
  ASSERT_TRUE(agent->wait_for_output("ksight agent running", 60s, /*from_stderr=*/true))
      << agent->err();
  std::string base = "http://127.0.0.1:" + std::to_string(server.port);
  // The server is timed from the collect after its first request is seen.
  auto slow_under_server = [](const std::vector<ReceivedSpan>& spans) -> const ReceivedSpan* {
    for (const auto& s : spans) {
      if (s.span.kind() != pb::Span::SPAN_KIND_INTERNAL) continue;
      for (const auto& p : spans) {
        if (p.span.kind() == pb::Span::SPAN_KIND_SERVER &&
            p.span_id_hex() == s.parent_span_id_hex())
          return &s;
      }
    }
    return nullptr;
  };
  bool found = false;
  auto deadline = std::chrono::steady_clock::now() + 40s;
  for (int i = 0; !found && std::chrono::steady_clock::now() < deadline; ++i) {
    ASSERT_EQ(curl(base + "/slow/" + std::to_string(i)), 0);
    found = receiver.wait_for([&](const auto& s) { return slow_under_server(s) != nullptr; }, 3s);
  }
  auto spans = receiver.spans();
  ASSERT_TRUE(found) << "spans received: " << spans.size() << "\n" << agent->err();
  for (const auto& s : spans) {
    if (s.span.kind() != pb::Span::SPAN_KIND_INTERNAL) continue;
    const ReceivedSpan* parent = nullptr;
    for (const auto& p : spans)
      if (p.span_id_hex() == s.parent_span_id_hex()) parent = &p;
    ASSERT_NE(parent, nullptr) << s.span.name() << ": a slow syscall outside any request";
    EXPECT_EQ(parent->span.kind(), pb::Span::SPAN_KIND_SERVER);
    EXPECT_EQ(parent->attr("url.path").rfind("/slow/", 0), 0u);
    EXPECT_EQ(s.trace_id_hex(), parent->trace_id_hex());
    EXPECT_TRUE(s.span.name() == "clock_nanosleep" || s.span.name() == "nanosleep")
        << s.span.name();
    EXPECT_EQ(s.attr("ksight.syscall.name"), s.span.name());
    EXPECT_EQ(s.attr("ksight.syscall.return_value"), "0");
    EXPECT_GE(duration(s), kSleepNs);
    EXPECT_GE(s.span.start_time_unix_nano(), parent->span.start_time_unix_nano());
    EXPECT_LE(s.span.end_time_unix_nano(), parent->span.end_time_unix_nano());
  }
}

// A call left by longjmp never returns: the next return on the thread finds
// its frame below it, counts a lost return, and later spans still pair.
TEST_F(FunctionSpansKernel, CallLeftByLongjmpIsALostReturn) {
  OtlpReceiver receiver(true);
  Server server = start_server();
  std::string bin = KSIGHT_FUNCSPAN_SERVER;
  int mport = free_port();
  auto agent = start_agent(receiver.endpoint(),
                           {"--http-function-span", bin + ":ksight_handle_request=handle request",
                            "--http-function-span", bin + ":ksight_jumper"},
                           mport);
  ASSERT_TRUE(agent->wait_for_output("ksight agent running", 60s, /*from_stderr=*/true))
      << agent->err();
  std::string base = "http://127.0.0.1:" + std::to_string(server.port);
  ASSERT_EQ(curl(base + "/jump"), 0);
  ASSERT_EQ(curl(base + "/after"), 0);
  auto handled_under = [](const std::vector<ReceivedSpan>& spans, const std::string& path) {
    for (const auto& s : spans) {
      if (s.span.name() != "handle request") continue;
      for (const auto& p : spans)
        if (p.span_id_hex() == s.parent_span_id_hex() && p.attr("url.path") == path) return &s;
    }
    return static_cast<const ReceivedSpan*>(nullptr);
  };
  bool both = receiver.wait_for(
      [&](const auto& s) { return handled_under(s, "/jump") && handled_under(s, "/after"); }, 30s);
  auto spans = receiver.spans();
  ASSERT_TRUE(both) << "spans received: " << spans.size() << "\n" << agent->err();
  EXPECT_GE(duration(*handled_under(spans, "/jump")), kSleepNs);
  EXPECT_GE(duration(*handled_under(spans, "/after")), kSleepNs);
  for (const auto& s : spans) EXPECT_NE(s.span.name(), "ksight_jumper");
  const std::string lost = "ksight_events_lost_total{source=\"function_spans\"} 1\n";
  // Both handle-request spans, each under its server span, in the outcomes.
  const std::string parented = "ksight_function_span_events_total{event=\"parented\"} 2\n";
  auto published = [&](const std::string& text) {
    return text.find(lost) != std::string::npos && text.find(parented) != std::string::npos;
  };
  std::string text;
  for (auto end = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < end && !published(text);) {
    text = ksight::testing::run({"/usr/bin/curl", "-s", "--noproxy", "*",
                                 "http://127.0.0.1:" + std::to_string(mport) + "/metrics"},
                                10s)
               .out;
    if (!published(text)) std::this_thread::sleep_for(200ms);  // next collect
  }
  EXPECT_NE(text.find(lost), std::string::npos) << text.substr(0, 4000);
  EXPECT_NE(text.find(parented), std::string::npos) << text.substr(0, 4000);
  EXPECT_NE(text.find("ksight_function_span_events_total{event=\"ambiguous_parent\"} 0\n"),
            std::string::npos);
}

TEST_F(FunctionSpansKernel, MissingSymbolIsAClearError) {
  OtlpReceiver receiver(true);
  auto agent = start_agent(
      receiver.endpoint(),
      {"--http-function-span", std::string(KSIGHT_FUNCSPAN_SERVER) + ":ksight_no_such_function=x"});
  EXPECT_TRUE(agent->wait_for_output("no function 'ksight_no_such_function' in", 60s,
                                     /*from_stderr=*/true))
      << agent->err();
  EXPECT_TRUE(agent->wait_for_output("ksight agent running", 60s, /*from_stderr=*/true))
      << "the HTTP source keeps running: " << agent->err();
}

TEST_F(FunctionSpansKernel, MalformedEntryStopsTheAgentWithItsText) {
  auto r = ksight::testing::run(
      {KSIGHT_BIN, "agent", "--listen", "127.0.0.1:0", "--http-function-span", "relative:f"}, 30s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("function span 'relative:f': the binary must be an absolute path"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace ksight::otel
