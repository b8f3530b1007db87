#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/) ids:
//   traceparent = version "-" trace-id "-" parent-id "-" trace-flags
//   version     = 2HEXDIGLC   ; "00"; higher versions are read by the same prefix
//   trace-id    = 32HEXDIGLC  ; not all zeros
//   parent-id   = 16HEXDIGLC  ; not all zeros
//   trace-flags = 2HEXDIGLC
// plus random id generation for spans that start a trace.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace ksight::otel {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

struct TraceParent {
  TraceId trace_id{};
  SpanId parent_id{};
  uint8_t flags = 0;
};

std::optional<TraceParent> parse_traceparent(std::string_view text);
std::string format_traceparent(const TraceParent& tp);
std::string to_hex(const uint8_t* data, size_t size);
template <size_t N>
std::string to_hex(const std::array<uint8_t, N>& id) {
  return to_hex(id.data(), N);
}
template <size_t N>
bool is_zero(const std::array<uint8_t, N>& id) {
  for (uint8_t b : id)
    if (b) return false;
  return true;
}

// Non-zero random ids (splitmix64: uniform 64-bit values at ~1 ns; the
// Mersenne Twister's refills were ~3% of the agent's work per request).
// Not thread-safe: one per pipeline.
class IdGenerator {
 public:
  explicit IdGenerator(uint64_t seed = std::random_device{}());
  TraceId trace_id();
  SpanId span_id();

 private:
  uint64_t next();
  uint64_t state_;
};

}  // namespace ksight::otel
