// Pairing of requests and responses per connection, ids and parenting.
#include "otel/http_tracker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ksight::otel {
namespace {

class TrackerTest : public ::testing::Test {
 protected:
  HttpTracker tracker{{.max_connections = 4, .max_pending = 8},
                      [this](HttpExchange&& x) { got.push_back(std::move(x)); },
                      42};
  std::vector<HttpExchange> got;

  void io(uint32_t pid, uint32_t tid, int fd, Direction d, const std::string& s, uint64_t ts,
          uint64_t sock = 1) {
    Payload p;
    p.pid = pid;
    p.tid = tid;
    p.fd = fd;
    p.sock = sock;
    p.direction = d;
    p.ts_ns = ts;
    p.total = s.size();
    p.captured = {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
    p.local = socket_address("127.0.0.1", 8080);
    p.peer = socket_address("127.0.0.1", 40000);
    p.comm = "nginx";
    tracker.on_payload(p);
  }
};

const std::string kGet = "GET /a HTTP/1.1\r\nHost: svc:8080\r\n\r\n";
const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
const std::string kTp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST_F(TrackerTest, ServerExchangeFromReadThenWrite) {
  io(10, 11, 5, Direction::kIngress, kGet, 1000);
  io(10, 11, 5, Direction::kEgress, kOk, 5000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, SpanKind::kServer);
  EXPECT_EQ(got[0].pid, 10u);
  EXPECT_EQ(got[0].start_ns, 1000u);
  EXPECT_EQ(got[0].end_ns, 5000u);
  EXPECT_EQ(got[0].request.target, "/a");
  EXPECT_EQ(got[0].response.status, 200);
  EXPECT_TRUE(is_zero(got[0].parent_span_id));
  EXPECT_FALSE(is_zero(got[0].trace_id));
}

TEST_F(TrackerTest, PipelinedRequestsPairInOrder) {
  io(10, 11, 5, Direction::kIngress, kGet + "GET /b HTTP/1.1\r\n\r\n", 1);
  io(10, 11, 5, Direction::kEgress, kOk + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].request.target, "/a");
  EXPECT_EQ(got[0].response.status, 200);
  EXPECT_EQ(got[1].request.target, "/b");
  EXPECT_EQ(got[1].response.status, 404);
}

TEST_F(TrackerTest, HeadResponseHasNoBody) {
  io(10, 11, 5, Direction::kIngress, "HEAD /h HTTP/1.1\r\n\r\n" + kGet, 1);
  io(10, 11, 5, Direction::kEgress, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + kOk, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].request.method, "HEAD");
  EXPECT_EQ(got[1].request.target, "/a");
}

TEST_F(TrackerTest, ClientExchangeFromWriteThenRead) {
  io(20, 21, 7, Direction::kEgress, kGet, 1);
  io(20, 21, 7, Direction::kIngress, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", 2);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, SpanKind::kClient);
  EXPECT_EQ(got[0].response.status, 503);
}

TEST_F(TrackerTest, TraceparentJoinsTheTrace) {
  io(10, 11, 5, Direction::kIngress, "GET / HTTP/1.1\r\ntraceparent: " + kTp + "\r\n\r\n", 1);
  io(10, 11, 5, Direction::kEgress, kOk, 2);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_hex(got[0].trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(to_hex(got[0].parent_span_id), "00f067aa0ba902b7");
  EXPECT_NE(to_hex(got[0].span_id), "00f067aa0ba902b7");
}

TEST_F(TrackerTest, ClientCallsWhileServingAreChildren) {
  io(10, 11, 5, Direction::kIngress, kGet, 1);  // server request on tid 11
  io(10, 11, 6, Direction::kEgress, kGet, 2);   // tid 11 calls upstream
  io(10, 11, 6, Direction::kIngress, kOk, 3);   // upstream answers
  io(10, 11, 5, Direction::kEgress, kOk, 4);    // server answers
  io(10, 11, 6, Direction::kEgress, kGet, 5);   // after the request: a new trace
  io(10, 11, 6, Direction::kIngress, kOk, 6);
  ASSERT_EQ(got.size(), 3u);
  const auto& client = got[0];
  const auto& server = got[1];
  EXPECT_EQ(client.kind, SpanKind::kClient);
  EXPECT_EQ(server.kind, SpanKind::kServer);
  EXPECT_EQ(client.trace_id, server.trace_id);
  EXPECT_EQ(client.parent_span_id, server.span_id);
  EXPECT_NE(got[2].trace_id, server.trace_id);
  EXPECT_TRUE(is_zero(got[2].parent_span_id));
}

// An event loop (nginx as a proxy, Node) reads several requests on one
// thread before it answers any. A call it makes then belongs to the one open
// request with its target (a proxy forwards what it was asked), or, when no
// single one has it, to an unknown one: no parent rather than a wrong one.
TEST_F(TrackerTest, EventLoopCallsAreParentedOnlyWhenTheRequestIsClear) {
  io(10, 11, 5, Direction::kIngress, "GET /first HTTP/1.1\r\n\r\n", 1);
  io(10, 11, 6, Direction::kIngress, "GET /second HTTP/1.1\r\n\r\n", 2);
  io(10, 11, 7, Direction::kEgress, kGet, 3);  // /a: neither's target
  io(10, 11, 7, Direction::kIngress, kOk, 4);
  io(10, 11, 8, Direction::kEgress, "GET /second HTTP/1.0\r\n\r\n", 5);  // forwarded
  io(10, 11, 8, Direction::kIngress, kOk, 6);
  io(10, 11, 5, Direction::kEgress, kOk, 7);   // /first answered: /second alone
  io(10, 11, 7, Direction::kEgress, kGet, 8);  // this call can only be /second's
  io(10, 11, 7, Direction::kIngress, kOk, 9);
  io(10, 11, 6, Direction::kEgress, kOk, 10);
  ASSERT_EQ(got.size(), 5u);
  const HttpExchange& unclear = got[0];
  const HttpExchange& forwarded = got[1];
  const HttpExchange& first = got[2];
  const HttpExchange& sole = got[3];
  const HttpExchange& second = got[4];
  EXPECT_EQ(first.request.target, "/first");
  EXPECT_EQ(second.request.target, "/second");
  EXPECT_TRUE(is_zero(unclear.parent_span_id));
  EXPECT_NE(unclear.trace_id, first.trace_id);
  EXPECT_NE(unclear.trace_id, second.trace_id);
  EXPECT_EQ(forwarded.parent_span_id, second.span_id);
  EXPECT_EQ(sole.parent_span_id, second.span_id);
  EXPECT_EQ(sole.trace_id, second.trace_id);
  EXPECT_EQ(tracker.stats().ambiguous_parents, 1u);
}

// Two open requests with the call's target: still unclear.
TEST_F(TrackerTest, EventLoopCallMatchingTwoOpenRequestsHasNoParent) {
  io(10, 11, 5, Direction::kIngress, kGet, 1);
  io(10, 11, 6, Direction::kIngress, kGet, 2);
  io(10, 11, 7, Direction::kEgress, kGet, 3);
  io(10, 11, 7, Direction::kIngress, kOk, 4);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(is_zero(got[0].parent_span_id));
  EXPECT_EQ(tracker.stats().ambiguous_parents, 1u);
}

// A request whose connection ends unanswered (the client gave up, its
// response was lost) stops counting as open on its thread.
TEST_F(TrackerTest, UnansweredRequestReleasesItsThreadWithItsConnection) {
  io(10, 11, 5, Direction::kIngress, "GET /gone HTTP/1.1\r\n\r\n", 1, /*sock=*/1);
  io(10, 11, 5, Direction::kIngress, kGet, 2, /*sock=*/2);  // fd 5 reused: sock 1 closed
  io(10, 11, 7, Direction::kEgress, kGet, 3);
  io(10, 11, 7, Direction::kIngress, kOk, 4);
  io(10, 11, 5, Direction::kEgress, kOk, 5, /*sock=*/2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kind, SpanKind::kClient);
  EXPECT_EQ(got[1].request.target, "/a");
  EXPECT_EQ(got[0].parent_span_id, got[1].span_id);
  EXPECT_EQ(tracker.stats().ambiguous_parents, 0u);
  EXPECT_EQ(tracker.stats().unanswered, 1u);  // /gone
}

// HTTP/1.0 without a length: the exchange ends at the body's last write,
// once the connection has been quiet (its close is not captured). The
// thread is free for its next request meanwhile.
TEST_F(TrackerTest, ResponseUntilCloseEndsWhenItsConnectionGoesQuiet) {
  const uint64_t quiet = 500;
  io(10, 11, 5, Direction::kIngress, "GET /old HTTP/1.0\r\n\r\n", 1000);
  io(10, 11, 5, Direction::kEgress, "HTTP/1.0 200 OK\r\nServer: SimpleHTTP\r\n\r\n", 2000);
  io(10, 11, 5, Direction::kEgress, "<html>body</html>", 3000);
  io(10, 11, 6, Direction::kIngress, kGet, 3100);  // the thread's next request
  io(10, 11, 7, Direction::kEgress, kGet, 3200);   // its upstream call
  io(10, 11, 7, Direction::kIngress, kOk, 3300);
  ASSERT_EQ(got.size(), 1u);
  const HttpExchange call = got[0];
  tracker.end_quiet_responses(3000 + quiet - 1, quiet);
  EXPECT_EQ(got.size(), 1u);
  tracker.end_quiet_responses(3000 + quiet, quiet);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].request.target, "/old");
  EXPECT_EQ(got[1].response.status, 200);
  EXPECT_EQ(got[1].end_ns, 3000u);
  io(10, 11, 6, Direction::kEgress, kOk, 3400);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(call.parent_span_id, got[2].span_id);
  EXPECT_EQ(tracker.stats().ambiguous_parents, 0u);
}

// Found by fuzz/http_tracker_fuzzer: a response held until the close, sent
// before any request, ended after one arrived. It is not that request's.
TEST_F(TrackerTest, HeldResponseThatBeganBeforeTheRequestIsAnOrphan) {
  io(10, 11, 5, Direction::kEgress, "HTTP/1.0 200 OK\r\n\r\n", 100);
  io(10, 11, 5, Direction::kIngress, kGet, 200);
  tracker.end_quiet_responses(10'000, 500);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(tracker.stats().orphan_responses, 1u);
}

// A client whose reader thread returns from recv before its writer thread
// returns from send (loopback delivers inside send) stamps the response
// earlier than the request. Pairing goes by order of arrival, not stamps.
TEST_F(TrackerTest, ResponseStampedBeforeItsRequestStillPairs) {
  io(20, 21, 7, Direction::kEgress, kGet, 200);
  io(20, 22, 7, Direction::kIngress, kOk, 150);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, SpanKind::kClient);
}

TEST_F(TrackerTest, OrphanResponseIsCounted) {
  io(10, 11, 5, Direction::kEgress, kOk, 1);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(tracker.stats().orphan_responses, 1u);
}

TEST_F(TrackerTest, FdReuseStartsAFreshConnection) {
  io(10, 11, 5, Direction::kIngress, "GET /old HTTP/1.1\r\n\r\n", 1, /*sock=*/1);
  io(10, 11, 5, Direction::kIngress, kGet, 2, /*sock=*/2);
  io(10, 11, 5, Direction::kEgress, kOk, 3, /*sock=*/2);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].request.target, "/a");
}

TEST_F(TrackerTest, ConnectionsAndPendingAreBounded) {
  for (int fd = 0; fd < 20; ++fd) io(10, 11, fd, Direction::kIngress, kGet, fd + 1);
  EXPECT_LE(tracker.connections(), 4u);
  EXPECT_EQ(tracker.stats().connections_evicted, 16u);
  std::string many;
  for (int i = 0; i < 20; ++i) many += kGet;
  io(30, 31, 3, Direction::kIngress, many, 100);
  EXPECT_EQ(tracker.stats().pending_dropped, 12u);
}

TEST_F(TrackerTest, TlsConnectionIsCountedNotParsed) {
  std::string hello("\x16\x03\x01\x00\x05hello", 10);
  io(10, 11, 5, Direction::kIngress, hello, 1);
  io(10, 11, 5, Direction::kEgress, kOk, 2);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(tracker.stats().tls_connections, 1u);
}

TEST_F(TrackerTest, IdleConnectionsExpire) {
  io(10, 11, 5, Direction::kIngress, kGet, 1);
  io(10, 11, 6, Direction::kIngress, kGet, 1000);
  tracker.expire(1500, 1000);
  EXPECT_EQ(tracker.connections(), 1u);
}

}  // namespace
}  // namespace ksight::otel
