#pragma once
// Incremental HTTP/1.x parser for one direction of one TCP connection, fed
// with what the kernel captured of each read/write: the first `captured`
// bytes of a payload whose real length was `total` (the rest is a gap).
//
// Grammar recognised (RFC 9112, the subset that frames messages):
//   message      = start-line *( header-field CRLF ) CRLF [ body ]
//   start-line   = request-line / status-line
//   request-line = method SP request-target SP HTTP-version CRLF
//   method       = a standard method, or an extension method (3-20 of A-Z
//                  "-" "_") whose target is origin-form ("PROPFIND /a")
//   status-line  = HTTP-version SP status-code SP [ reason ] CRLF
//   HTTP-version = "HTTP/1.0" / "HTTP/1.1"
//   header-field = name ":" OWS value OWS
//   body         = Content-Length octets / chunked ( chunk-size [ext] CRLF data CRLF ...
//                  "0" CRLF *trailer CRLF ) / (responses only) until the connection ends
// Bare LF line ends are accepted. Bodies are skipped by length, including
// bytes that were never captured, so pipelined and keep-alive messages stay
// framed. When framing is lost (a gap inside headers or chunk sizes, an
// unknown body length) the parser resynchronises at the next write that
// starts like an HTTP message. Header bytes kept per message are bounded
// (kMaxHeaderBytes); longer headers are scanned for their end, not stored.
// A response delimited by the connection's end (no length, not chunked:
// HTTP/1.0 servers such as Python's http.server) is held, its end moved to
// each later write, until close(), end_held() (the owner saw the
// connection go quiet) or a write that starts like a new response.
// Anything that does not start like HTTP/1.x (TLS, HTTP/2, other protocols)
// marks the stream as not HTTP and is then ignored.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ksight::otel {

inline constexpr size_t kMaxHeaderBytes = 16 * 1024;

struct HttpMessage {
  bool is_request = false;
  std::string method;   // requests
  std::string target;   // requests: request-target as sent
  int status = 0;       // responses
  std::string version;  // "1.0" / "1.1"
  std::string host;
  std::string traceparent;
  std::string user_agent;
  // What proxies say of the original client (src/otel/http_url.h reads them).
  std::string forwarded;           // Forwarded (RFC 7239)
  std::string forwarded_for;       // X-Forwarded-For
  std::string forwarded_proto;     // X-Forwarded-Proto
  bool headers_truncated = false;  // over kMaxHeaderBytes or cut by a gap
  bool until_close = false;        // a response delimited by the connection's end
  uint64_t start_ns = 0;           // timestamp of the write holding the first byte
  uint64_t end_ns = 0;             // timestamp of the write holding the last byte known
};

// What the stream turned out to be.
enum class StreamKind { kUnknown, kHttp, kTls, kOther };

class HttpMessageSink {
 public:
  virtual ~HttpMessageSink() = default;
  virtual void on_message(HttpMessage&& message) = 0;
  // Whether a response with this status may carry a body (false after HEAD,
  // for 1xx/204/304). The pairing knows the request; the default follows status.
  virtual bool response_has_body(int status) {
    return status >= 200 && status != 204 && status != 304;
  }
  // A response's headers ended and its body runs to the connection's end:
  // on_message comes later (marked until_close).
  virtual void on_response_held() {}
};

class HttpStreamParser {
 public:
  explicit HttpStreamParser(HttpMessageSink& sink) : sink_(&sink) {}

  // One syscall's payload: `captured` are its first bytes, `total` its length.
  void feed(std::span<const uint8_t> captured, uint64_t total, uint64_t ts_ns);
  // The connection is gone: a message without a known end ends here (one
  // delimited by the close: at its last byte).
  void close(uint64_t ts_ns);
  // A response delimited by the connection's end is waiting for it.
  bool holds_until_close() const { return state_ == State::kUntilClose; }
  // Ends that response at its last byte seen; later bytes are ignored up to
  // a write that starts like HTTP.
  void end_held();

  StreamKind kind() const { return kind_; }
  uint64_t messages() const { return messages_; }
  uint64_t resyncs() const { return resyncs_; }

 private:
  enum class State {
    kIdle,
    kHeaders,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkEnd,
    kTrailers,
    kUntilClose,  // a response body delimited by the connection's end
    kResync,      // framing lost: wait for a write that starts like HTTP
    kDead,        // not HTTP, or upgraded away from it
  };

  size_t step(std::string_view data, size_t captured_left);
  size_t on_idle(std::string_view data);
  size_t on_headers(std::string_view data);
  size_t on_chunk_line(std::string_view data);
  void gap(uint64_t bytes);
  // `block`: the start line and headers (buf_, or the payload itself).
  void headers_done(std::string_view block, bool complete);
  void finish(uint64_t ts_ns);
  void lose_framing();
  void classify_other(std::string_view data);

  HttpMessageSink* sink_;
  StreamKind kind_ = StreamKind::kUnknown;
  State state_ = State::kIdle;
  std::string buf_;          // start bytes (idle), header bytes, or a chunk-size line
  bool line_empty_ = false;  // the header line being scanned has no bytes yet
  bool overflow_ = false;    // header bytes beyond kMaxHeaderBytes were not kept
  uint64_t remaining_ = 0;   // body or chunk bytes still to skip
  std::optional<HttpMessage> msg_;
  uint64_t ts_ = 0;  // timestamp of the write being fed
  uint64_t messages_ = 0;
  uint64_t resyncs_ = 0;
};

// Where the header block that `data` starts with ends (just past its empty
// line: LF LF or LF CR LF), npos when the empty line is not in `data`.
size_t header_block_end(std::string_view data);

// "GET " / "HTTP/1.1 200" / "PROPFIND /" ...: the first bytes of a message.
// nullopt: too short to say yet.
std::optional<bool> looks_like_http_start(std::string_view data);

// GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH (case
// sensitive). Others are extension methods: OpenTelemetry reports them as
// "_OTHER" (and the method itself in http.request.method_original), so an
// unbounded set of tokens cannot grow the metrics' series.
bool is_standard_http_method(std::string_view method);

}  // namespace ksight::otel
