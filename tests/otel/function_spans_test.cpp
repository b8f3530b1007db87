// Function spans: spec parsing, the tracker's per-thread server span
// history, and parenting of calls that arrive before or after the HTTP
// payloads of their thread. Timestamps are synthetic boot-clock values.
#include "otel/function_spans.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"

namespace ksight::otel {
namespace {

const std::string kGet = "GET /a HTTP/1.1\r\nHost: svc:8080\r\n\r\n";
const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

class FunctionSpansTest : public ::testing::Test {
 protected:
  HttpTracker tracker{{.max_connections = 16, .max_pending = 8, .thread_history = 4},
                      [this](HttpExchange&& x) { exchanges.push_back(std::move(x)); },
                      7};
  std::vector<HttpExchange> exchanges;
  std::vector<Span> spans;
  std::shared_ptr<const Resource> resource = make_resource({.pid = 10, .comm = "srv"}, "host");
  FunctionSpans functions{
      {.specs = {{"/usr/bin/srv", "handle", "handle request"}, {"/lib/x.so", "f", "f"}},
       .boot_to_unix_ns = 1'000'000,
       .id_seed = 3},
      [this](uint32_t tid, uint64_t s, uint64_t e) {
        return tracker.server_span_during(tid, s, e);
      },
      [this](uint32_t, const std::string&) { return resource; },
      [this](Span&& s) { spans.push_back(std::move(s)); }};

  void io(uint32_t tid, Direction d, const std::string& s, uint64_t ts, int fd = 5) {
    Payload p;
    p.pid = 10;
    p.tid = tid;
    p.fd = fd;
    p.sock = 1;
    p.direction = d;
    p.ts_ns = ts;
    p.total = s.size();
    p.captured = {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
    p.comm = "srv";
    tracker.on_payload(p);
  }
  void call(uint32_t tid, uint64_t start, uint64_t end, uint64_t index = 0) {
    functions.on_call({.pid = 10, .tid = tid, .index = index, .start_ns = start, .end_ns = end});
  }
};

TEST(FunctionSpecTest, ParsesBinarySymbolAndName) {
  FunctionSpec s = parse_function_spec("/usr/bin/srv:handle=handle request");
  EXPECT_EQ(s.binary, "/usr/bin/srv");
  EXPECT_EQ(s.symbol, "handle");
  EXPECT_EQ(s.span_name, "handle request");
  EXPECT_EQ(parse_function_spec("/a/b:_ZN3foo3barEv").span_name, "_ZN3foo3barEv");
}

TEST(FunctionSpecTest, RejectsMalformedEntries) {
  EXPECT_THROW(parse_function_spec("handle"), Error);
  EXPECT_THROW(parse_function_spec("bin:handle"), Error);
  EXPECT_THROW(parse_function_spec("/bin/x:"), Error);
  EXPECT_THROW(parse_function_spec("/bin/x:f="), Error);
  try {
    parse_function_spec("srv:handle");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("absolute path"), std::string::npos) << e.what();
  }
}

TEST_F(FunctionSpansTest, CallInsideRequestIsChildOfServerSpan) {
  io(11, Direction::kIngress, kGet, 1000);
  io(11, Direction::kEgress, kOk, 9000);
  call(11, 2000, 8000);  // read after the whole exchange: settled at once
  ASSERT_EQ(exchanges.size(), 1u);
  ASSERT_EQ(spans.size(), 1u);
  const Span& s = spans[0];
  EXPECT_EQ(s.kind, SpanKind::kInternal);
  EXPECT_EQ(s.name, "handle request");
  EXPECT_EQ(s.trace_id, exchanges[0].trace_id);
  EXPECT_EQ(s.parent_span_id, exchanges[0].span_id);
  EXPECT_EQ(s.start_unix_ns, 1'002'000u);
  EXPECT_EQ(s.end_unix_ns, 1'008'000u);
  EXPECT_EQ(std::get<std::string>(s.find("code.function")->value), "handle");
  EXPECT_EQ(std::get<std::string>(s.find("code.filepath")->value), "/usr/bin/srv");
  EXPECT_EQ(std::get<int64_t>(s.find("thread.id")->value), 11);
  EXPECT_EQ(s.resource, resource);
  EXPECT_EQ(functions.stats().parented, 1u);
}

// Two server spans of one thread hold the call (an event loop): no parent
// is better than a guess, and a slow syscall there is dropped, counted.
TEST_F(FunctionSpansTest, CallDuringOverlappingServerSpansHasNoParent) {
  io(11, Direction::kIngress, kGet, 1000, /*fd=*/5);
  io(11, Direction::kIngress, kGet, 1500, /*fd=*/6);
  io(11, Direction::kEgress, kOk, 7000, /*fd=*/6);
  io(11, Direction::kEgress, kOk, 9000, /*fd=*/5);
  call(11, 2000, 3000);  // inside both
  call(11, 7500, 8000);  // inside the first only: the second was answered
  functions.on_call({.pid = 10, .tid = 11, .start_ns = 2000, .end_ns = 3000, .syscall = "read"});
  ASSERT_EQ(exchanges.size(), 2u);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_TRUE(is_zero(spans[0].parent_span_id));
  EXPECT_EQ(spans[1].parent_span_id, exchanges[1].span_id);  // fd 5's, answered last
  EXPECT_EQ(functions.stats().ambiguous_parents, 2u);
  EXPECT_EQ(functions.stats().syscalls_outside, 0u);
  EXPECT_EQ(functions.stats().parented, 1u);
}

TEST_F(FunctionSpansTest, CallReadBeforeItsRequestWaitsForTheTracker) {
  call(11, 2000, 8000);  // the function's ring buffer was drained first
  EXPECT_TRUE(spans.empty());
  EXPECT_EQ(functions.waiting(), 1u);
  io(11, Direction::kIngress, kGet, 1000);
  functions.flush();  // request seen, response not yet: still unsettled
  EXPECT_TRUE(spans.empty());
  io(11, Direction::kEgress, kOk, 9000);
  functions.flush();
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_EQ(spans[0].parent_span_id, exchanges[0].span_id);
  EXPECT_EQ(functions.stats().unsettled, 0u);
}

TEST_F(FunctionSpansTest, CallWhileResponsePendingButLaterPayloadSeen) {
  io(11, Direction::kIngress, kGet, 1000);
  io(11, Direction::kEgress, "HTTP/1.1 200 OK\r\nContent-Len", 9000);  // headers split
  call(11, 2000, 8000);
  ASSERT_EQ(spans.size(), 1u);  // the thread's payloads are known past the call
  EXPECT_TRUE(exchanges.empty());
  io(11, Direction::kEgress, "gth: 0\r\n\r\n", 9100);
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_EQ(spans[0].parent_span_id, exchanges[0].span_id);
}

TEST_F(FunctionSpansTest, CallsOutsideRequestsOrOnOtherThreadsAreRoots) {
  io(11, Direction::kIngress, kGet, 1000);
  io(11, Direction::kEgress, kOk, 3000);
  call(11, 4000, 5000);                // after the response: not in the request
  call(11, 500, 900);                  // before it
  ASSERT_EQ(functions.waiting(), 1u);  // thread 11 not known past 5000 yet
  io(11, Direction::kIngress, kGet, 6000);
  functions.flush();
  call(12, 1500, 2000);  // another thread, no HTTP at all: waits two flushes
  functions.flush();
  EXPECT_EQ(spans.size(), 2u);
  functions.flush();
  ASSERT_EQ(spans.size(), 3u);
  for (const auto& s : spans) {
    EXPECT_TRUE(is_zero(s.parent_span_id)) << s.start_unix_ns;
    EXPECT_FALSE(is_zero(s.trace_id));
  }
  EXPECT_EQ(functions.stats().unsettled, 1u);
}

TEST_F(FunctionSpansTest, KeepAliveRequestsParentTheirOwnCalls) {
  io(11, Direction::kIngress, kGet, 1000);
  call(11, 1100, 1200);
  io(11, Direction::kEgress, kOk, 2000);
  io(11, Direction::kIngress, kGet, 3000);
  call(11, 3100, 3200);
  io(11, Direction::kEgress, kOk, 4000);
  functions.flush();
  ASSERT_EQ(exchanges.size(), 2u);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].parent_span_id, exchanges[0].span_id);
  EXPECT_EQ(spans[1].parent_span_id, exchanges[1].span_id);
}

TEST_F(FunctionSpansTest, UnknownIndexIsCountedAndWaitingIsBounded) {
  call(11, 1, 2, 5);
  EXPECT_EQ(functions.stats().unknown_index, 1u);
  FunctionSpans small(
      {.specs = {{"/b", "f", "f"}}, .max_waiting = 2},
      [](uint32_t, uint64_t, uint64_t) { return ThreadSpanLookup{}; }, nullptr,
      [this](Span&& s) { spans.push_back(std::move(s)); });
  for (uint64_t i = 0; i < 5; ++i) small.on_call({.tid = 1, .start_ns = i, .end_ns = i + 1});
  EXPECT_EQ(small.waiting(), 2u);
  EXPECT_EQ(spans.size(), 3u);
  EXPECT_EQ(small.stats().unsettled, 3u);
}

TEST_F(FunctionSpansTest, SlowSyscallsOnlyInsideRequests) {
  io(11, Direction::kIngress, kGet, 1000);
  io(11, Direction::kEgress, kOk, 9000);
  functions.on_call(
      {.pid = 10, .tid = 11, .start_ns = 2000, .end_ns = 7000, .syscall = "nanosleep"});
  functions.on_call(
      {.pid = 10, .tid = 11, .start_ns = 100, .end_ns = 999, .syscall = "accept4", .ret = 7});
  ASSERT_EQ(spans.size(), 1u);
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_EQ(spans[0].name, "nanosleep");
  EXPECT_EQ(spans[0].kind, SpanKind::kInternal);
  EXPECT_EQ(spans[0].parent_span_id, exchanges[0].span_id);
  EXPECT_EQ(std::get<std::string>(spans[0].find("ksight.syscall.name")->value), "nanosleep");
  EXPECT_EQ(std::get<int64_t>(spans[0].find("ksight.syscall.return_value")->value), 0);
  EXPECT_EQ(spans[0].find("code.function"), nullptr);
  EXPECT_EQ(functions.stats().syscalls_outside, 1u);
}

TEST_F(FunctionSpansTest, ServerPidsAreTheProcessesThatServed) {
  EXPECT_TRUE(tracker.server_pids().empty());
  io(11, Direction::kIngress, kGet, 1000);
  io(11, Direction::kEgress, kOk, 2000);
  EXPECT_EQ(tracker.server_pids(), std::vector<uint32_t>{10});
  tracker.expire(1'000'000'000'000, 1'000'000);
  EXPECT_TRUE(tracker.server_pids().empty());
  EXPECT_FALSE(tracker.server_span_during(11, 1100, 1200).span);
}

TEST_F(FunctionSpansTest, TrackerHistoryIsOffByDefault) {
  HttpTracker plain(
      {}, [](HttpExchange&&) {}, 1);
  Payload p;
  p.tid = 3;
  p.ts_ns = 10;
  p.total = kGet.size();
  p.captured = {reinterpret_cast<const uint8_t*>(kGet.data()), kGet.size()};
  plain.on_payload(p);
  EXPECT_FALSE(plain.server_span_during(3, 1, 5).complete);
}

}  // namespace
}  // namespace ksight::otel
