#include "otel/trace_context.h"

#include <cstring>

namespace ksight::otel {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C requires lowercase
}

bool parse_hex(std::string_view text, uint8_t* out, size_t size) {
  if (text.size() != size * 2) return false;
  for (size_t i = 0; i < size; ++i) {
    int hi = hex_value(text[2 * i]);
    int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace

std::optional<TraceParent> parse_traceparent(std::string_view text) {
  // 00-<32>-<16>-<2>; later versions may append "-..." fields.
  if (text.size() < 55 || text[2] != '-' || text[35] != '-' || text[52] != '-') return std::nullopt;
  uint8_t version = 0;
  if (!parse_hex(text.substr(0, 2), &version, 1) || version == 0xff) return std::nullopt;
  if (version == 0 && text.size() != 55) return std::nullopt;
  if (text.size() > 55 && text[55] != '-') return std::nullopt;
  TraceParent tp;
  if (!parse_hex(text.substr(3, 32), tp.trace_id.data(), 16) ||
      !parse_hex(text.substr(36, 16), tp.parent_id.data(), 8) ||
      !parse_hex(text.substr(53, 2), &tp.flags, 1)) {
    return std::nullopt;
  }
  if (is_zero(tp.trace_id) || is_zero(tp.parent_id)) return std::nullopt;
  return tp;
}

std::string to_hex(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

std::string format_traceparent(const TraceParent& tp) {
  return "00-" + to_hex(tp.trace_id) + "-" + to_hex(tp.parent_id) + "-" + to_hex(&tp.flags, 1);
}

IdGenerator::IdGenerator(uint64_t seed) : state_(seed) {}

uint64_t IdGenerator::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

TraceId IdGenerator::trace_id() {
  TraceId id;
  do {
    uint64_t a = next(), b = next();
    std::memcpy(id.data(), &a, 8);
    std::memcpy(id.data() + 8, &b, 8);
  } while (is_zero(id));
  return id;
}

SpanId IdGenerator::span_id() {
  SpanId id;
  do {
    uint64_t a = next();
    std::memcpy(id.data(), &a, 8);
  } while (is_zero(id));
  return id;
}

}  // namespace ksight::otel
