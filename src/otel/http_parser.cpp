#include "otel/http_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace ksight::otel {
namespace {

constexpr std::array<std::string_view, 10> kStarts = {"GET ",   "POST ",    "PUT ",   "DELETE ",
                                                      "HEAD ",  "OPTIONS ", "PATCH ", "CONNECT ",
                                                      "TRACE ", "HTTP/1."};
constexpr size_t kMaxChunkLine = 256;
constexpr size_t kMaxExtensionMethod = 20;  // PROPPATCH, VERSION-CONTROL, BASELINE-CONTROL

bool is_extension_method_char(char c) {
  return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

// An extension method (RFC 9110 §16.1: WebDAV's PROPFIND, MKCOL, LOCK...)
// followed by an origin-form target: "PROPFIND /". The '/' is what tells it
// from text protocols whose commands are upper-case words too (SMTP's "MAIL
// FROM:", FTP's "USER", Redis inline commands), and HTTP/2's preface
// ("PRI * HTTP/2.0") has none. nullopt: too short to say yet.
std::optional<bool> looks_like_extension_request(std::string_view data) {
  size_t n = 0;
  while (n < data.size() && n <= kMaxExtensionMethod && is_extension_method_char(data[n])) ++n;
  if (n == data.size()) return n <= kMaxExtensionMethod ? std::nullopt : std::optional(false);
  if (n < 3 || n > kMaxExtensionMethod || data[n] != ' ') return false;
  if (n + 1 == data.size()) return std::nullopt;
  return data[n + 1] == '/';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

std::string_view next_line(std::string_view& rest) {
  size_t nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::optional<uint64_t> parse_uint(std::string_view s, int base) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p == s.data()) return std::nullopt;
  return v;
}

// "HTTP/1.1" → "1.1"; empty when not HTTP/1.x.
std::string version_of(std::string_view token) {
  if (token.size() != 8 || token.substr(0, 7) != "HTTP/1." || token[7] < '0' || token[7] > '9') {
    return {};
  }
  return std::string(token.substr(5));
}

bool parse_start_line(std::string_view line, HttpMessage& m) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  if (line.starts_with("HTTP/")) {
    m.is_request = false;
    m.version = version_of(line.substr(0, sp1));
    auto code = parse_uint(line.substr(sp1 + 1, 3), 10);
    if (m.version.empty() || !code || *code < 100 || *code > 999) return false;
    m.status = static_cast<int>(*code);
    return true;
  }
  size_t sp2 = line.rfind(' ');
  if (sp2 == sp1) return false;
  m.is_request = true;
  m.method = line.substr(0, sp1);
  m.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  m.version = version_of(line.substr(sp2 + 1));
  return !m.version.empty() && !m.target.empty();
}

struct Framing {
  std::optional<uint64_t> content_length;
  bool chunked = false;
};

Framing parse_headers(std::string_view rest, bool complete, HttpMessage& m) {
  Framing f;
  while (!rest.empty()) {
    bool last_cut = !complete && rest.find('\n') == std::string_view::npos;
    std::string_view line = next_line(rest);
    if (last_cut) break;  // a header cut by the bound or a gap: unusable
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      f.content_length = parse_uint(value, 10);
    } else if (iequals(name, "transfer-encoding")) {
      f.chunked = value.size() >= 7 && iequals(value.substr(value.size() - 7), "chunked");
    } else if (iequals(name, "host")) {
      m.host = value;
    } else if (iequals(name, "traceparent")) {
      m.traceparent = value;
    } else if (iequals(name, "user-agent")) {
      m.user_agent = value;
    } else if (name.size() > 8 && (name[0] | 0x20) == 'x' && name[1] == '-') {
      // The first of each: the proxy nearest the client wrote it.
      if (iequals(name, "x-forwarded-for") && m.forwarded_for.empty()) {
        m.forwarded_for = value;
      } else if (iequals(name, "x-forwarded-proto") && m.forwarded_proto.empty()) {
        m.forwarded_proto = value;
      }
    } else if (iequals(name, "forwarded") && m.forwarded.empty()) {
      m.forwarded = value;
    }
  }
  return f;
}

}  // namespace

size_t header_block_end(std::string_view data) {
  // Line by line (memchr per line): an empty line, CRLF or bare LF, ends the
  // block. glibc's memmem for "\r\n\r\n" cost more than this on headers
  // of a few short lines (11% of BM_MetricsOnly).
  for (size_t nl = data.find('\n'); nl != std::string_view::npos; nl = data.find('\n', nl + 1)) {
    if (nl + 1 < data.size() && data[nl + 1] == '\n') return nl + 2;
    if (nl + 2 < data.size() && data[nl + 1] == '\r' && data[nl + 2] == '\n') return nl + 3;
  }
  return std::string_view::npos;
}

bool is_standard_http_method(std::string_view method) {
  // kStarts without "HTTP/1.": the methods RFC 9110 §9 defines and PATCH.
  for (std::string_view s : std::span(kStarts).first(kStarts.size() - 1)) {
    if (s.size() == method.size() + 1 && s.starts_with(method)) return true;
  }
  return false;
}

std::optional<bool> looks_like_http_start(std::string_view data) {
  if (data.empty()) return std::nullopt;
  bool maybe = false;
  for (std::string_view s : kStarts) {
    if (s[0] != data[0]) continue;  // most candidates differ in the first byte
    if (data.size() >= s.size()) {
      if (data.starts_with(s)) return true;
    } else if (s.starts_with(data)) {
      maybe = true;
    }
  }
  if (!is_extension_method_char(data[0])) return maybe ? std::nullopt : std::optional(false);
  std::optional<bool> extension = looks_like_extension_request(data);
  if (extension == true) return true;
  if (maybe || !extension) return std::nullopt;
  return false;
}

void HttpStreamParser::feed(std::span<const uint8_t> captured, uint64_t total, uint64_t ts_ns) {
  ts_ = ts_ns;
  std::string_view data(reinterpret_cast<const char*>(captured.data()), captured.size());
  if (data.size() > total) data = data.substr(0, total);
  if (state_ == State::kDead) return;
  if (state_ == State::kUntilClose) {
    // A server that left out the length but kept the connection: its next
    // response ends this one. Else the write is more of the body.
    if (data.empty() || looks_like_http_start(data) != true) {
      msg_->end_ns = ts_ns;
      return;
    }
    end_held();
  }
  if (state_ == State::kResync) {
    if (data.empty() || looks_like_http_start(data) == false) return;
    state_ = State::kIdle;
  }
  size_t pos = 0;
  while (pos < data.size() && state_ != State::kResync && state_ != State::kDead) {
    pos += step(data.substr(pos), data.size() - pos);
  }
  if (total > data.size() && state_ != State::kResync && state_ != State::kDead) {
    gap(total - data.size());
  }
}

void HttpStreamParser::close(uint64_t ts_ns) {
  ts_ = ts_ns;
  if (state_ == State::kUntilClose) end_held();
  if (msg_ && state_ != State::kHeaders) finish(ts_ns);
  msg_.reset();
  state_ = State::kDead;
}

void HttpStreamParser::end_held() {
  if (state_ != State::kUntilClose) return;
  finish(msg_->end_ns);
  state_ = State::kResync;
}

size_t HttpStreamParser::step(std::string_view data, size_t) {
  switch (state_) {
    case State::kUntilClose:  // the rest of the write is body
      msg_->end_ns = ts_;
      return data.size();
    case State::kIdle:
      return on_idle(data);
    case State::kHeaders:
      return on_headers(data);
    case State::kBody:
    case State::kChunkData: {
      size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
      remaining_ -= n;
      if (remaining_ == 0) {
        if (state_ == State::kBody) {
          finish(ts_);
          state_ = State::kIdle;
        } else {
          state_ = State::kChunkEnd;
        }
      }
      return n;
    }
    case State::kChunkSize:
    case State::kChunkEnd:
    case State::kTrailers:
      return on_chunk_line(data);
    default:
      return data.size();
  }
}

size_t HttpStreamParser::on_idle(std::string_view data) {
  if (buf_.empty()) {
    // Empty lines between messages are allowed (RFC 9112 §2.2).
    size_t skip = 0;
    while (skip < data.size() && (data[skip] == '\r' || data[skip] == '\n')) ++skip;
    if (skip > 0) return skip;
    msg_.emplace();
    msg_->start_ns = ts_;
  }
  std::string joined;  // only when an earlier payload left start bytes
  std::string_view head = data;
  if (!buf_.empty()) head = joined = buf_ + std::string(data.substr(0, 16));
  auto verdict = looks_like_http_start(head);
  if (!verdict) {
    buf_ += data;
    return data.size();
  }
  if (!*verdict) {
    classify_other(head);
    msg_.reset();
    buf_.clear();
    if (kind_ == StreamKind::kHttp) {
      ++resyncs_;
      state_ = State::kResync;
    } else {
      state_ = State::kDead;
    }
    return data.size();
  }
  kind_ = StreamKind::kHttp;
  state_ = State::kHeaders;
  line_empty_ = false;
  overflow_ = false;
  return 0;  // on_headers takes the bytes (buf_ already holds the earlier ones)
}

size_t HttpStreamParser::on_headers(std::string_view data) {
  // The common case: a message whose whole header block is in this payload
  // is parsed where it lies, without copying it line by line into buf_.
  if (buf_.empty()) {
    size_t end = header_block_end(data);
    if (end != std::string_view::npos && end <= kMaxHeaderBytes) {
      headers_done(data.substr(0, end), true);
      return end;
    }
  }
  // Line by line (memchr), not byte by byte: this runs for every payload.
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    size_t end = nl == std::string_view::npos ? data.size() : nl + 1;
    std::string_view piece = data.substr(pos, end - pos);
    size_t room = kMaxHeaderBytes - std::min(buf_.size(), kMaxHeaderBytes);
    buf_.append(piece.substr(0, std::min(room, piece.size())));
    if (piece.size() > room) overflow_ = true;
    std::string_view content =
        nl == std::string_view::npos ? piece : piece.substr(0, piece.size() - 1);
    if (content.find_first_not_of('\r') != std::string_view::npos) line_empty_ = false;
    if (nl == std::string_view::npos) return data.size();
    if (line_empty_) {
      headers_done(buf_, true);
      return end;
    }
    line_empty_ = true;
    pos = end;
  }
  return data.size();
}

void HttpStreamParser::headers_done(std::string_view block, bool complete) {
  HttpMessage& m = *msg_;
  std::string_view rest = block;
  if (!parse_start_line(next_line(rest), m)) {
    msg_.reset();
    buf_.clear();
    ++resyncs_;
    state_ = State::kResync;
    return;
  }
  m.headers_truncated = overflow_ || !complete;
  Framing f = parse_headers(rest, complete && !overflow_, m);
  buf_.clear();
  if (!complete) {
    lose_framing();
    return;
  }
  bool body = m.is_request || sink_->response_has_body(m.status);
  bool upgraded = !m.is_request && m.status == 101;
  if (!body || (m.is_request && !f.chunked && f.content_length.value_or(0) == 0)) {
    finish(ts_);
    state_ = upgraded ? State::kDead : State::kIdle;
  } else if (f.chunked) {
    state_ = State::kChunkSize;
  } else if (f.content_length) {
    remaining_ = *f.content_length;
    if (remaining_ == 0) {
      finish(ts_);
      state_ = State::kIdle;
    } else {
      state_ = State::kBody;
    }
  } else {
    // A response delimited by the connection's end: held until then.
    msg_->end_ns = ts_;
    msg_->until_close = true;
    state_ = State::kUntilClose;
    sink_->on_response_held();
  }
}

size_t HttpStreamParser::on_chunk_line(std::string_view data) {
  size_t nl = data.find('\n');
  size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
  buf_.append(data.substr(0, take));
  if (buf_.size() > kMaxChunkLine) {
    lose_framing();
    return data.size();
  }
  if (nl == std::string_view::npos) return take;
  std::string_view line = buf_;
  line = trim(line.substr(0, line.size() - 1));
  if (state_ == State::kChunkEnd) {
    state_ = State::kChunkSize;
  } else if (state_ == State::kTrailers) {
    if (line.empty()) {
      finish(ts_);
      state_ = State::kIdle;
    }
  } else {
    auto size = parse_uint(line.substr(0, line.find(';')), 16);
    if (!size) {
      buf_.clear();
      lose_framing();
      return take;
    }
    remaining_ = *size;
    state_ = remaining_ == 0 ? State::kTrailers : State::kChunkData;
  }
  buf_.clear();
  return take;
}

void HttpStreamParser::gap(uint64_t bytes) {
  switch (state_) {
    case State::kUntilClose:  // uncaptured body bytes
      msg_->end_ns = ts_;
      return;
    case State::kBody:
    case State::kChunkData:
      if (bytes <= remaining_) {
        remaining_ -= bytes;
        if (remaining_ == 0) {
          if (state_ == State::kBody) {
            finish(ts_);
            state_ = State::kIdle;
          } else {
            state_ = State::kChunkEnd;
          }
        }
        return;
      }
      lose_framing();
      return;
    case State::kHeaders:
      headers_done(buf_, false);
      return;
    case State::kIdle:
      if (kind_ == StreamKind::kUnknown && buf_.empty()) return;  // nothing seen yet
      msg_.reset();
      buf_.clear();
      ++resyncs_;
      state_ = State::kResync;
      return;
    default:
      lose_framing();
  }
}

void HttpStreamParser::finish(uint64_t ts_ns) {
  if (!msg_) return;
  msg_->end_ns = ts_ns;
  ++messages_;
  buf_.clear();
  sink_->on_message(std::move(*msg_));  // the sink takes it (it does not feed us)
  msg_.reset();
}

void HttpStreamParser::lose_framing() {
  if (msg_) finish(ts_);
  buf_.clear();
  ++resyncs_;
  state_ = State::kResync;
}

void HttpStreamParser::classify_other(std::string_view data) {
  if (kind_ != StreamKind::kUnknown) return;
  bool tls = data.size() >= 2 && static_cast<uint8_t>(data[0]) == 0x16 &&
             static_cast<uint8_t>(data[1]) == 0x03;
  kind_ = tls ? StreamKind::kTls : StreamKind::kOther;
}

}  // namespace ksight::otel
