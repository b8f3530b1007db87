#include "otel/http_tracker.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string_view>

namespace ksight::otel {

struct HttpTracker::Connection {
  // One parser per direction; the sink knows which one speaks.
  struct Sink : HttpMessageSink {
    HttpTracker* tracker = nullptr;
    Connection* conn = nullptr;
    Direction direction = Direction::kIngress;
    void on_message(HttpMessage&& m) override {
      if (m.is_request) {
        tracker->on_request(*conn, direction, std::move(m));
      } else {
        tracker->on_response(*conn, direction, std::move(m));
      }
    }
    bool response_has_body(int status) override {
      if (status < 200 || status == 204 || status == 304) return false;
      return conn->pending.empty() || conn->pending.front().request.method != "HEAD";
    }
    void on_response_held() override { tracker->on_response_held(*conn, direction); }
  };

  Connection(HttpTracker* t, const Payload& p)
      : parsers{HttpStreamParser(sinks[0]), HttpStreamParser(sinks[1])} {
    for (int i = 0; i < 2; ++i) {
      sinks[i].tracker = t;
      sinks[i].conn = this;
      sinks[i].direction = static_cast<Direction>(i);
    }
    sock = p.sock;
    pid = p.pid;
    key = Key{p.pid, p.fd};
  }

  Sink sinks[2];
  HttpStreamParser parsers[2];
  std::deque<HttpExchange> pending;  // requests waiting for their response
  std::list<Key>::iterator lru_pos;
  Key key;
  uint64_t sock = 0;
  uint32_t pid = 0;
  uint64_t last_ns = 0;
  uint32_t tid = 0;  // thread of the payload being fed
  std::string comm;
  Endpoint local, peer;
  SocketAddress local_raw, peer_raw;  // what local/peer were made from
  bool classified = false;
  bool held_listed = false;  // in HttpTracker::held_
  SpanId held_for{};         // the request a held response answers (zero: none)
};

namespace {

std::string ipv4_text(const uint8_t* a) {
  char buf[16];
  char* p = buf;
  for (int i = 0; i < 4; ++i) {
    unsigned v = a[i];
    if (v >= 100) *p++ = char('0' + v / 100);
    if (v >= 10) *p++ = char('0' + v / 10 % 10);
    *p++ = char('0' + v % 10);
    if (i < 3) *p++ = '.';
  }
  return std::string(buf, p);
}

// Refreshes `text` when the payload's address differs from the one it was
// made from (the same on every payload of a connection but the first).
void update_endpoint(const SocketAddress& now, SocketAddress& raw, Endpoint& text) {
  if (now.family == 0 || now == raw) return;
  raw = now;
  text = to_endpoint(now);
}

}  // namespace

Endpoint to_endpoint(const SocketAddress& a) {
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (a.family == AF_INET) return {ipv4_text(a.bytes.data()), a.port};
  if (a.family != AF_INET6) return {{}, a.port};
  if (std::memcmp(a.bytes.data(), kMapped, 12) == 0)
    return {ipv4_text(a.bytes.data() + 12), a.port};
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf);
  return {buf, a.port};
}

SocketAddress socket_address(const std::string& ip, uint16_t port) {
  SocketAddress a;
  a.port = port;
  if (inet_pton(AF_INET, ip.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
  } else if (inet_pton(AF_INET6, ip.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
  }
  return a;
}

HttpTracker::HttpTracker(HttpTrackerOptions options, ExchangeFn on_exchange, uint64_t id_seed)
    : options_(options),
      on_exchange_(std::move(on_exchange)),
      ids_(id_seed ? id_seed : std::random_device{}()) {}

HttpTracker::~HttpTracker() = default;

HttpTracker::Connection& HttpTracker::connection_for(const Payload& p) {
  Key key{p.pid, p.fd};
  auto it = conns_.find(key);
  if (it != conns_.end() && it->second->sock != p.sock) {
    // The fd now names another socket: the old connection is over.
    it->second->parsers[0].close(p.ts_ns);
    it->second->parsers[1].close(p.ts_ns);
    drop(it);
    it = conns_.end();
  }
  if (it == conns_.end()) {
    if (conns_.size() >= options_.max_connections && !lru_.empty()) {
      ++stats_.connections_evicted;
      drop(conns_.find(lru_.back()));
    }
    lru_.push_front(key);
    auto conn = std::make_unique<Connection>(this, p);
    conn->lru_pos = lru_.begin();
    it = conns_.emplace(key, std::move(conn)).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second->lru_pos);
  }
  return *it->second;
}

void HttpTracker::drop(std::unordered_map<Key, std::unique_ptr<Connection>, KeyHash>::iterator it) {
  if (it == conns_.end()) return;
  Connection& c = *it->second;
  for (auto& parser : c.parsers) parser.end_held();
  // Its unanswered requests no longer hold their threads.
  stats_.unanswered += c.pending.size();
  for (const HttpExchange& x : c.pending)
    if (x.kind == SpanKind::kServer) close_server(x, std::max(c.last_ns, x.start_ns));
  stats_.resyncs += c.parsers[0].resyncs() + c.parsers[1].resyncs();
  lru_.erase(it->second->lru_pos);
  conns_.erase(it);
}

void HttpTracker::on_payload(const Payload& p) {
  Connection& c = connection_for(p);
  c.last_ns = p.ts_ns;
  c.tid = p.tid;
  if (c.comm.empty()) c.comm = p.comm;
  update_endpoint(p.local, c.local_raw, c.local);
  update_endpoint(p.peer, c.peer_raw, c.peer);
  c.parsers[static_cast<int>(p.direction)].feed(p.captured, p.total, p.ts_ns);
  if (!c.classified) classify(c);
  if (options_.thread_history) {
    ThreadHistory& t = threads_[p.tid];
    t.pid = p.pid;
    t.last_ns = std::max(t.last_ns, p.ts_ns);
  }
}

ThreadSpanLookup HttpTracker::server_span_during(uint32_t tid, uint64_t start_ns,
                                                 uint64_t end_ns) const {
  ThreadSpanLookup out;
  auto it = threads_.find(tid);
  if (it == threads_.end()) return out;
  out.complete = it->second.last_ns >= end_ns;
  for (const ServerSpanRef& s : it->second.spans) {
    bool holds = s.start_ns <= start_ns && (s.end_ns == 0 || s.end_ns >= end_ns);
    if (!holds) continue;
    if (out.span) {  // a second one: an event loop between requests
      out.span.reset();
      out.ambiguous = true;
      break;
    }
    out.span = s;
  }
  return out;
}

void HttpTracker::classify(Connection& c) {
  for (const auto& parser : c.parsers) {
    if (parser.kind() == StreamKind::kHttp) {
      c.classified = true;
      return;
    }
  }
  for (const auto& parser : c.parsers) {
    if (parser.kind() == StreamKind::kTls) {
      ++stats_.tls_connections;
      c.classified = true;
      return;
    }
    if (parser.kind() == StreamKind::kOther) {
      ++stats_.other_connections;
      c.classified = true;
      return;
    }
  }
}

void HttpTracker::on_close(uint32_t pid, int32_t fd, uint64_t ts_ns) {
  auto it = conns_.find(Key{pid, fd});
  if (it == conns_.end()) return;
  it->second->parsers[0].close(ts_ns);
  it->second->parsers[1].close(ts_ns);
  drop(it);
}

void HttpTracker::expire(uint64_t now_ns, uint64_t idle_ns) {
  while (!lru_.empty()) {
    auto it = conns_.find(lru_.back());
    if (now_ns < it->second->last_ns + idle_ns) break;
    drop(it);
  }
  // Server requests never answered must not pin their threads forever.
  std::erase_if(open_, [](const auto& t) { return t.second.empty(); });
  if (open_.size() > options_.max_connections) open_.clear();
  std::erase_if(threads_, [&](const auto& t) { return now_ns >= t.second.last_ns + idle_ns; });
  if (threads_.size() > options_.max_connections) threads_.clear();
}

void HttpTracker::end_quiet_responses(uint64_t now_ns, uint64_t quiet_ns) {
  std::erase_if(held_, [&](const Key& key) {
    auto it = conns_.find(key);
    if (it == conns_.end()) return true;  // dropped: ended then
    Connection& c = *it->second;
    bool holds = c.parsers[0].holds_until_close() || c.parsers[1].holds_until_close();
    if (holds && now_ns < c.last_ns + quiet_ns) return false;
    for (auto& parser : c.parsers) parser.end_held();
    c.held_listed = false;
    return true;
  });
}

// A response's body runs to the connection's end, which comes later (or
// not at all): what it answers is decided now, when its headers ended.
void HttpTracker::on_response_held(Connection& c, Direction d) {
  auto want = d == Direction::kEgress ? SpanKind::kServer : SpanKind::kClient;
  bool answers = !c.pending.empty() && c.pending.front().kind == want;
  c.held_for = answers ? c.pending.front().span_id : SpanId{};
  // Written but for the body: the thread may take its next request before
  // the close is known, and must not look as if it served two at once.
  if (answers && want == SpanKind::kServer) release_thread(c.pending.front());
  if (!c.held_listed) {
    c.held_listed = true;
    held_.push_back(c.key);
  }
}

void HttpTracker::on_request(Connection& c, Direction d, HttpMessage&& m) {
  ++stats_.requests;
  if (c.pending.size() >= options_.max_pending) {
    ++stats_.pending_dropped;
    const HttpExchange& oldest = c.pending.front();
    if (oldest.kind == SpanKind::kServer)
      close_server(oldest, std::max(c.last_ns, oldest.start_ns));
    c.pending.pop_front();
  }
  HttpExchange& x = c.pending.emplace_back();  // built in place: no exchange moves
  x.kind = d == Direction::kIngress ? SpanKind::kServer : SpanKind::kClient;
  x.start_ns = m.start_ns;
  x.request = std::move(m);
  x.tid = c.tid;
  assign_ids(x);
}

void HttpTracker::assign_ids(HttpExchange& x) {
  x.span_id = ids_.span_id();
  std::optional<TraceParent> tp;
  if (!x.request.traceparent.empty()) tp = parse_traceparent(x.request.traceparent);
  if (tp) {
    x.trace_id = tp->trace_id;
    x.parent_span_id = tp->parent_id;
    x.parent_sampled = (tp->flags & 0x01) != 0;
  } else if (const OpenServer* s = x.kind == SpanKind::kClient ? parent_for_client(x) : nullptr) {
    x.trace_id = s->trace_id;
    x.parent_span_id = s->span_id;
    x.parent_sampled = s->parent_sampled;
  } else {
    x.trace_id = ids_.trace_id();
  }
  if (x.kind == SpanKind::kServer) open_server(x);
}

// The request the client call's thread is serving: the only one open, or
// else the only open one with the call's target; none when that is unclear.
const HttpTracker::OpenServer* HttpTracker::parent_for_client(const HttpExchange& client) {
  auto it = open_.find(client.tid);
  if (it == open_.end() || it->second.empty()) return nullptr;
  if (it->second.size() == 1) return &it->second.front();
  size_t target = std::hash<std::string_view>{}(client.request.target);
  const OpenServer* match = nullptr;
  for (const OpenServer& s : it->second) {
    if (s.target_hash != target) continue;
    if (match) {
      match = nullptr;
      break;
    }
    match = &s;
  }
  if (!match) ++stats_.ambiguous_parents;
  return match;
}

void HttpTracker::open_server(const HttpExchange& x) {
  std::vector<OpenServer>& open = open_[x.tid];
  if (open.size() >= options_.max_pending) open.erase(open.begin());
  open.push_back(
      {x.trace_id, x.span_id, x.parent_sampled, std::hash<std::string_view>{}(x.request.target)});
  if (!options_.thread_history) return;
  auto& spans = threads_[x.tid].spans;
  if (spans.size() >= options_.thread_history) spans.pop_front();
  spans.push_back({x.trace_id, x.span_id, x.start_ns, 0});
}

void HttpTracker::release_thread(const HttpExchange& x) {
  // An emptied list stays (its thread is likely to serve again: no map node
  // and vector allocated per request); expire() removes it.
  if (auto it = open_.find(x.tid); it != open_.end())
    std::erase_if(it->second, [&](const OpenServer& s) { return s.span_id == x.span_id; });
}

void HttpTracker::close_server(const HttpExchange& x, uint64_t end_ns) {
  release_thread(x);
  if (auto t = threads_.find(x.tid); t != threads_.end()) {
    for (auto& s : t->second.spans)
      if (s.span_id == x.span_id) s.end_ns = end_ns;
  }
}

std::vector<uint32_t> HttpTracker::server_pids() const {
  std::vector<uint32_t> pids;
  for (const auto& [tid, t] : threads_)
    if (!t.spans.empty()) pids.push_back(t.pid);
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  return pids;
}

void HttpTracker::on_response(Connection& c, Direction d, HttpMessage&& m) {
  if (m.status < 200) return;  // interim (100 Continue, 101 handled by the parser)
  auto want = d == Direction::kEgress ? SpanKind::kServer : SpanKind::kClient;
  // A response held until its connection's end is reported late: it answers
  // the request that was pending when its headers ended, or none.
  if (c.pending.empty() || c.pending.front().kind != want ||
      (m.until_close && c.pending.front().span_id != c.held_for)) {
    ++stats_.orphan_responses;
    return;
  }
  HttpExchange& x = c.pending.front();
  x.end_ns = m.end_ns;
  x.response = std::move(m);
  x.pid = c.pid;
  x.comm = c.comm;
  x.local = c.local;
  x.peer = c.peer;
  if (x.kind == SpanKind::kServer) close_server(x, std::max(x.end_ns, x.start_ns));
  ++stats_.exchanges;
  on_exchange_(std::move(x));  // may move from it; popped right after
  c.pending.pop_front();
}

}  // namespace ksight::otel
