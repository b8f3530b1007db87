// HTTP/1.x stream parser: real byte sequences, split at every position.
#include "otel/http_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ksight::otel {
namespace {

struct Collect : HttpMessageSink {
  std::vector<HttpMessage> messages;
  bool head = false;  // the request was HEAD: responses carry no body
  void on_message(HttpMessage&& m) override { messages.push_back(std::move(m)); }
  bool response_has_body(int status) override {
    return !head && HttpMessageSink::response_has_body(status);
  }
};

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Feeds `writes` (each fully captured) and returns a printable summary.
std::string summarize(const std::vector<std::string>& writes, bool head = false) {
  Collect sink;
  sink.head = head;
  HttpStreamParser p(sink);
  uint64_t ts = 1;
  for (const auto& w : writes) p.feed(bytes(w), w.size(), ts++);
  p.close(ts);
  std::string out;
  for (const auto& m : sink.messages) {
    out += m.is_request ? "REQ " + m.method + " " + m.target : "RESP " + std::to_string(m.status);
    out += " v" + m.version + " host=" + m.host + " tp=" + m.traceparent;
    out += m.headers_truncated ? " truncated" : "";
    out += ";";
  }
  return out;
}

struct Case {
  const char* name;
  std::string bytes;
  std::string expected;
  bool head = false;
};

std::vector<Case> cases() {
  return {
      {"curl_get",
       "GET /users/42?x=1 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/7.88.1\r\n"
       "Accept: */*\r\n\r\n",
       "REQ GET /users/42?x=1 v1.1 host=localhost:8080 tp=;"},
      {"nginx_200",
       "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 22 Nov 2026 02:00:00 GMT\r\n"
       "Content-Type: text/html\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n"
       "hello world\n",
       "RESP 200 v1.1 host= tp=;"},
      {"chunked_with_trailer",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n"
       "0\r\nX-Trailer: a\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
       "RESP 200 v1.1 host= tp=;RESP 404 v1.1 host= tp=;"},
      {"post_with_body_then_get",
       "POST /api/v1/items HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\ncontent-type: "
       "application/json\r\n\r\n{\"a\":1}GET / HTTP/1.1\r\nhost: b\r\n\r\n",
       "REQ POST /api/v1/items v1.1 host=a tp=;REQ GET / v1.1 host=b tp=;"},
      {"pipelined_with_traceparent",
       "GET /a HTTP/1.1\r\nHost: x\r\ntraceparent: "
       "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n"
       "GET /b HTTP/1.1\r\nHost: x\r\n\r\n",
       "REQ GET /a v1.1 host=x tp=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01;"
       "REQ GET /b v1.1 host=x tp=;"},
      {"no_body_statuses",
       "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n"
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
       "RESP 204 v1.1 host= tp=;RESP 304 v1.1 host= tp=;RESP 100 v1.1 host= tp=;"
       "RESP 201 v1.1 host= tp=;"},
      {"bare_lf_http10", "GET /x HTTP/1.0\nHost: h\n\n", "REQ GET /x v1.0 host=h tp=;"},
      {"until_close_http10", "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody bytes until close",
       "RESP 200 v1.0 host= tp=;"},
      {"webdav_propfind_then_get",
       "PROPFIND /dav/notes/ HTTP/1.1\r\nHost: files\r\nDepth: 1\r\nContent-Length: 4\r\n\r\n"
       "<a/>GET /dav/notes/a.txt HTTP/1.1\r\nHost: files\r\n\r\n",
       "REQ PROPFIND /dav/notes/ v1.1 host=files tp=;REQ GET /dav/notes/a.txt v1.1 host=files "
       "tp=;"},
      {"head_response",
       "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: "
       "10\r\n\r\n",
       "RESP 200 v1.1 host= tp=;RESP 200 v1.1 host= tp=;", true},
  };
}

TEST(HttpParser, RealSequencesSplitAtEveryByte) {
  for (const auto& c : cases()) {
    ASSERT_EQ(summarize({c.bytes}, c.head), c.expected) << c.name;
    for (size_t k = 0; k <= c.bytes.size(); ++k) {
      EXPECT_EQ(summarize({c.bytes.substr(0, k), c.bytes.substr(k)}, c.head), c.expected)
          << c.name << " split at " << k;
    }
  }
}

TEST(HttpParser, RealSequencesByteByByte) {
  for (const auto& c : cases()) {
    std::vector<std::string> writes;
    for (char ch : c.bytes) writes.emplace_back(1, ch);
    EXPECT_EQ(summarize(writes, c.head), c.expected) << c.name;
  }
}

TEST(HttpParser, TimestampsSpanFirstToLastByte) {
  Collect sink;
  HttpStreamParser p(sink);
  std::string a = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234";
  std::string b = "56789";
  p.feed(bytes(a), a.size(), 100);
  p.feed(bytes(b), b.size(), 250);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].start_ns, 100u);
  EXPECT_EQ(sink.messages[0].end_ns, 250u);
}

// HTTP/1.0 without a length (Python's http.server): the body runs to the
// close, and the response ends at the last byte written, not at its headers.
TEST(HttpParser, ResponseUntilCloseEndsAtItsLastByte) {
  Collect sink;
  HttpStreamParser p(sink);
  std::string head = "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6\r\n\r\n";
  p.feed(bytes(head), head.size(), 100);
  p.feed(bytes(std::string("<html>")), 6, 200);
  p.feed(bytes(std::string(64, 'x')), 70000, 300);  // mostly uncaptured
  EXPECT_TRUE(sink.messages.empty());
  EXPECT_TRUE(p.holds_until_close());
  p.close(900);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].status, 200);
  EXPECT_EQ(sink.messages[0].start_ns, 100u);
  EXPECT_EQ(sink.messages[0].end_ns, 300u);
  EXPECT_EQ(p.resyncs(), 0u);
}

// The owner ends a held response when its connection goes quiet; a server
// that kept the connection anyway is framed again at its next response.
TEST(HttpParser, HeldResponseEndsWhenToldOrAtTheNextResponse) {
  Collect sink;
  HttpStreamParser p(sink);
  std::string head = "HTTP/1.1 200 OK\r\n\r\nbody";
  p.feed(bytes(head), head.size(), 10);
  p.feed(bytes(std::string("more")), 4, 20);
  p.end_held();
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].end_ns, 20u);
  EXPECT_FALSE(p.holds_until_close());
  p.feed(bytes(std::string("late body bytes")), 15, 30);  // ignored
  p.feed(bytes(head), head.size(), 40);
  std::string next = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  p.feed(bytes(next), next.size(), 50);
  ASSERT_EQ(sink.messages.size(), 3u);
  EXPECT_EQ(sink.messages[1].end_ns, 40u);
  EXPECT_EQ(sink.messages[2].status, 404);
  EXPECT_EQ(sink.messages[2].end_ns, 50u);
}

TEST(HttpParser, UncapturedBodyBytesAreSkippedByLength) {
  Collect sink;
  HttpStreamParser p(sink);
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
  std::string write1 = head + std::string(256 - head.size(), 'x');
  p.feed(bytes(write1), 65536, 1);  // only 256 bytes captured of 64 KiB
  p.feed(bytes(std::string(256, 'y')), 100000 + head.size() - 65536, 2);
  std::string next = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
  p.feed(bytes(next), next.size(), 3);
  ASSERT_EQ(sink.messages.size(), 2u);
  EXPECT_EQ(sink.messages[0].end_ns, 2u);
  EXPECT_EQ(sink.messages[1].status, 500);
  EXPECT_EQ(p.resyncs(), 0u);
}

TEST(HttpParser, GapInHeadersResynchronisesAtNextMessage) {
  Collect sink;
  HttpStreamParser p(sink);
  std::string part = "GET /big HTTP/1.1\r\nHost: h\r\nCookie: aaaa";
  p.feed(bytes(part), 5000, 1);  // headers cut by the capture bound
  p.feed(bytes(std::string("rest of the cookie\r\n\r\n")), 22, 2);
  std::string next = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
  p.feed(bytes(next), next.size(), 3);
  ASSERT_EQ(sink.messages.size(), 2u);
  EXPECT_EQ(sink.messages[0].target, "/big");
  EXPECT_EQ(sink.messages[0].host, "h");
  EXPECT_TRUE(sink.messages[0].headers_truncated);
  EXPECT_EQ(sink.messages[1].target, "/next");
  EXPECT_EQ(p.resyncs(), 1u);
}

TEST(HttpParser, HugeHeadersAreBoundedAndPairingContinues) {
  Collect sink;
  HttpStreamParser p(sink);
  std::string head = "GET /h HTTP/1.1\r\nHost: h\r\nCookie: ";
  p.feed(bytes(head), head.size(), 1);
  std::string chunk(4096, 'c');
  for (int i = 0; i < 100; ++i) p.feed(bytes(chunk), chunk.size(), 2);  // 400 KiB of cookie
  std::string tail = "\r\nX-After: 1\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n";
  p.feed(bytes(tail), tail.size(), 3);
  ASSERT_EQ(sink.messages.size(), 2u);
  EXPECT_TRUE(sink.messages[0].headers_truncated);
  EXPECT_EQ(sink.messages[0].host, "h");
  EXPECT_EQ(sink.messages[1].target, "/after");
}

TEST(HttpParser, TlsAndOtherProtocolsAreRecognisedAndDropped) {
  Collect sink;
  HttpStreamParser tls(sink);
  const uint8_t hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
  tls.feed(hello, sizeof hello, 1);
  std::string get = "GET / HTTP/1.1\r\n\r\n";
  tls.feed(bytes(get), get.size(), 2);
  EXPECT_EQ(tls.kind(), StreamKind::kTls);

  HttpStreamParser h2(sink);
  std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  h2.feed(bytes(preface), preface.size(), 1);
  EXPECT_EQ(h2.kind(), StreamKind::kOther);

  HttpStreamParser redis(sink);
  std::string cmd = "*1\r\n$4\r\nPING\r\n";
  redis.feed(bytes(cmd), cmd.size(), 1);
  EXPECT_EQ(redis.kind(), StreamKind::kOther);
  EXPECT_TRUE(sink.messages.empty());
}

TEST(HttpParser, ChunkedBodyWithUncapturedChunks) {
  Collect sink;
  HttpStreamParser p(sink);
  std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n";
  p.feed(bytes(head), head.size(), 1);
  p.feed(bytes(std::string(10, 'z')), 0x1000, 2);  // chunk data mostly uncaptured
  std::string end = "\r\n0\r\n\r\n";
  p.feed(bytes(end), end.size(), 3);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].end_ns, 3u);
  EXPECT_EQ(p.resyncs(), 0u);
}

TEST(HttpParser, UpgradeEndsTheHttpStream) {
  Collect sink;
  HttpStreamParser p(sink);
  std::string up = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello";
  p.feed(bytes(up), up.size(), 1);
  std::string more = "HTTP/1.1 200 OK\r\n\r\n";
  p.feed(bytes(more), more.size(), 2);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].status, 101);
}

// What proxies say of the original client: the first of each header.
TEST(HttpParser, ProxyHeadersAreKept) {
  Collect sink;
  HttpStreamParser p(sink);
  std::string req =
      "GET / HTTP/1.1\r\nx-forwarded-for: 198.51.100.7, 10.0.0.1\r\nX-Forwarded-For: 10.9.9.9"
      "\r\nX-Forwarded-Proto: https\r\nForwarded: for=198.51.100.7;proto=https\r\n"
      "X-Request-Id: 1\r\n\r\n";
  p.feed(bytes(req), req.size(), 1);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].forwarded_for, "198.51.100.7, 10.0.0.1");
  EXPECT_EQ(sink.messages[0].forwarded_proto, "https");
  EXPECT_EQ(sink.messages[0].forwarded, "for=198.51.100.7;proto=https");
}

TEST(HttpParser, LooksLikeHttpStart) {
  EXPECT_EQ(looks_like_http_start("GET / HTTP/1.1"), true);
  EXPECT_EQ(looks_like_http_start("HTTP/1.1 200"), true);
  EXPECT_EQ(looks_like_http_start("GE"), std::nullopt);
  EXPECT_EQ(looks_like_http_start("HTTP/2"), false);
  EXPECT_EQ(looks_like_http_start("\x16\x03"), false);
}

// Extension methods: an upper-case token and an origin-form target.
TEST(HttpParser, ExtensionMethodsNeedTheirTargetsSlash) {
  EXPECT_EQ(looks_like_http_start("PROPFIND /dav/ HTTP/1.1"), true);
  EXPECT_EQ(looks_like_http_start("VERSION-CONTROL /a HTTP/1.1"), true);
  EXPECT_EQ(looks_like_http_start("MKCOL"), std::nullopt);
  EXPECT_EQ(looks_like_http_start("MKCOL "), std::nullopt);
  EXPECT_EQ(looks_like_http_start("PRI * HTTP/2.0\r\n"), false);  // HTTP/2 preface
  EXPECT_EQ(looks_like_http_start("MAIL FROM:<a@b.c>"), false);   // SMTP
  EXPECT_EQ(looks_like_http_start("USER anonymous"), false);      // FTP
  EXPECT_EQ(looks_like_http_start("PING\r\n"), false);            // Redis inline
  EXPECT_EQ(looks_like_http_start("GO /x"), false);               // under 3
  EXPECT_EQ(looks_like_http_start(std::string(21, 'A') + " /"), false);
  EXPECT_EQ(looks_like_http_start(std::string(21, 'A')), false);
  EXPECT_EQ(looks_like_http_start("Propfind /x"), false);  // methods are case-sensitive
  EXPECT_TRUE(is_standard_http_method("PATCH"));
  EXPECT_FALSE(is_standard_http_method("PROPFIND"));
  EXPECT_FALSE(is_standard_http_method("get"));
  EXPECT_FALSE(is_standard_http_method("GE"));

  Collect sink;
  HttpStreamParser smtp(sink);
  std::string ehlo = "EHLO client.example\r\nMAIL FROM:<a@b.c>\r\n";
  smtp.feed(bytes(ehlo), ehlo.size(), 1);
  EXPECT_EQ(smtp.kind(), StreamKind::kOther);
  EXPECT_TRUE(sink.messages.empty());
}

}  // namespace
}  // namespace ksight::otel
