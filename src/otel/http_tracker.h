#pragma once
// Connections → request/response exchanges. Each TCP connection (pid, fd,
// kernel socket) gets two HttpStreamParsers, one per direction; requests
// queue per connection (pipelining) and each final response (status >= 200)
// pairs with the oldest one. A connection whose requests arrive by read is
// the server side (SERVER spans), by write the client side (CLIENT spans).
//
// Trace ids are given when a request is complete, so that client requests a
// thread makes while it serves a request become that server span's
// children (same tid between the request's read and the response's write).
// An event loop (nginx, Node, Envoy) reads several before it answers any.
// Then the call's parent is the one open request with the call's target (a
// proxy forwards the URI it was asked for); when no single one has it, which
// request the call belongs to is unknown, and it starts its own trace rather
// than join a wrong one (counted: HttpTrackerStats::ambiguous_parents).
// A request carrying `traceparent` joins that trace under its parent id.
//
// Memory is bounded: at most max_connections connections (least recently
// used evicted), max_pending requests per connection (oldest dropped), and
// the parsers' own header bound.
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "otel/http_parser.h"
#include "otel/trace_context.h"

namespace ksight::otel {

enum class SpanKind { kInternal = 1, kServer = 2, kClient = 3 };
enum class Direction : uint8_t { kIngress = 0, kEgress = 1 };  // read / write

struct Endpoint {
  std::string address;  // textual IP, empty when unknown
  uint16_t port = 0;
};

// An address as the kernel reports it. Payloads carry this; a connection
// turns it into an Endpoint once, not per payload.
struct SocketAddress {
  uint16_t family = 0;              // AF_INET / AF_INET6; 0: unknown
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4
  uint16_t port = 0;
  bool operator==(const SocketAddress&) const = default;
};
// Text form; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as a.b.c.d.
Endpoint to_endpoint(const SocketAddress& a);
// From text (inet_pton, either family); family 0 when it is not an address.
SocketAddress socket_address(const std::string& ip, uint16_t port);

// One captured read or write on a TCP socket.
struct Payload {
  uint32_t pid = 0;
  uint32_t tid = 0;
  int32_t fd = -1;
  uint64_t sock = 0;  // kernel socket identity (tells fd reuse apart)
  Direction direction = Direction::kIngress;
  uint64_t ts_ns = 0;  // monotonic (CLOCK_BOOTTIME) nanoseconds
  uint64_t total = 0;  // bytes the syscall moved
  std::span<const uint8_t> captured;
  SocketAddress local;
  SocketAddress peer;
  std::string_view comm;  // like `captured`, valid during the call only
};

struct HttpExchange {
  SpanKind kind = SpanKind::kServer;
  HttpMessage request;
  HttpMessage response;
  uint32_t pid = 0;
  uint32_t tid = 0;
  std::string comm;
  Endpoint local;
  Endpoint peer;
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};  // zero: a root span
  // The sampled flag of the W3C parent context: from the request's
  // traceparent, or for a client call inherited from the server span its
  // thread is serving. nullopt: no parent context (the sampler decides).
  std::optional<bool> parent_sampled;
  uint64_t start_ns = 0;  // first request byte
  uint64_t end_ns = 0;    // last response byte known
};

struct HttpTrackerOptions {
  size_t max_connections = 16384;
  size_t max_pending = 64;
  // Server spans remembered per thread for server_span_during (function
  // spans); 0 turns the per-thread bookkeeping off.
  size_t thread_history = 0;
};

// A server span as a thread served it: [start_ns, end_ns], end 0 while open.
struct ServerSpanRef {
  TraceId trace_id{};
  SpanId span_id{};
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
};

struct ThreadSpanLookup {
  // The tracker has seen the thread's payloads up to the interval's end, so
  // `span` is the final answer (payloads of one thread arrive in order).
  bool complete = false;
  std::optional<ServerSpanRef> span;
  // More than one server span of the thread holds the interval (an event
  // loop serving requests at once): `span` is empty, not a guess.
  bool ambiguous = false;
};

struct HttpTrackerStats {
  uint64_t exchanges = 0;
  uint64_t requests = 0;
  uint64_t orphan_responses = 0;  // a response with no request queued
  uint64_t pending_dropped = 0;   // requests pushed out of a full queue
  uint64_t unanswered = 0;        // requests whose connection ended (or was evicted) first
  uint64_t connections_evicted = 0;
  uint64_t tls_connections = 0;
  uint64_t other_connections = 0;  // neither HTTP/1.x nor TLS
  uint64_t resyncs = 0;
  // Client requests left without a parent: their thread was serving more
  // than one request when it made them.
  uint64_t ambiguous_parents = 0;
};

class HttpTracker {
 public:
  using ExchangeFn = std::function<void(HttpExchange&&)>;
  HttpTracker(HttpTrackerOptions options, ExchangeFn on_exchange, uint64_t id_seed = 0);
  ~HttpTracker();

  void on_payload(const Payload& payload);
  // The socket was closed (or the process is gone): end its messages.
  void on_close(uint32_t pid, int32_t fd, uint64_t ts_ns);
  // Drops connections idle for longer than idle_ns.
  void expire(uint64_t now_ns, uint64_t idle_ns);
  // Ends the responses delimited by their connection's end (HTTP/1.0
  // without a length) whose connection has had no payload for quiet_ns:
  // the close itself is not captured, the silence after it is.
  void end_quiet_responses(uint64_t now_ns, uint64_t quiet_ns);

  // The server span thread `tid` was serving during [start_ns, end_ns]
  // (boot ns), from the last options.thread_history spans of that thread.
  ThreadSpanLookup server_span_during(uint32_t tid, uint64_t start_ns, uint64_t end_ns) const;
  // Processes with a thread in that history (they serve HTTP).
  std::vector<uint32_t> server_pids() const;

  size_t connections() const { return conns_.size(); }
  const HttpTrackerStats& stats() const { return stats_; }

 private:
  struct Connection;
  struct Key {
    uint32_t pid;
    int32_t fd;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return (uint64_t{k.pid} << 32) ^ uint32_t(k.fd); }
  };
  // A server request its thread has read and not answered yet.
  struct OpenServer {
    TraceId trace_id;
    SpanId span_id;
    std::optional<bool> parent_sampled;
    size_t target_hash = 0;  // of its request target: no string kept per request
  };
  struct ThreadHistory {
    uint32_t pid = 0;
    uint64_t last_ns = 0;  // newest payload of the thread
    std::deque<ServerSpanRef> spans;
  };

  Connection& connection_for(const Payload& p);
  void drop(std::unordered_map<Key, std::unique_ptr<Connection>, KeyHash>::iterator it);
  void on_request(Connection& c, Direction d, HttpMessage&& m);
  void on_response(Connection& c, Direction d, HttpMessage&& m);
  void on_response_held(Connection& c, Direction d);
  void assign_ids(HttpExchange& x);
  const OpenServer* parent_for_client(const HttpExchange& client);
  void open_server(const HttpExchange& x);
  // The request was answered at end_ns, or its connection is gone.
  void close_server(const HttpExchange& x, uint64_t end_ns);
  // Its thread no longer counts it as being served (its history keeps it).
  void release_thread(const HttpExchange& x);
  void classify(Connection& c);

  HttpTrackerOptions options_;
  ExchangeFn on_exchange_;
  IdGenerator ids_;
  std::list<Key> lru_;  // front: most recently used
  std::unordered_map<Key, std::unique_ptr<Connection>, KeyHash> conns_;
  std::unordered_map<uint32_t, std::vector<OpenServer>> open_;  // tid → unanswered requests
  std::vector<Key> held_;  // connections with a response held until their end
  std::unordered_map<uint32_t, ThreadHistory> threads_;  // when options_.thread_history
  HttpTrackerStats stats_;
};

}  // namespace ksight::otel
