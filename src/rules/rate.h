#pragma once
// State for rate rules (`condition: ... | count by (proc.name) > 20 within 60s`)
// and for per-rule alert rate limiting.
//
// Rate rule semantics: every event matching the condition counts for its key
// (the `by` fields rendered and joined; one key when there is no `by`). When
// the count within the last `window` passes the threshold the rule fires once
// and that key's count restarts, so a sustained burst alerts once per
// threshold's worth of events, not on every event. Windows are kept as 16
// slots of window/16 each: memory per key is fixed and the window edge is
// exact to 1/16 of the window. At most `max_keys` keys are tracked; when
// full, keys idle for a whole window are dropped first, then the least
// recently seen key, and evictions() counts them.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "rules/ast.h"

namespace ksight::rules {

class RateTracker {
 public:
  static constexpr size_t kSlots = 16;

  RateTracker(uint64_t window_ns, CompareOp op, uint64_t threshold, size_t max_keys = 4096);

  // Counts one event for `key` at `now_ns`; true when the rule fires. On a
  // true return, *count holds the count that crossed the threshold.
  bool observe(std::string_view key, uint64_t now_ns, uint64_t* count = nullptr);

  size_t key_count() const { return keys_.size(); }
  uint64_t evictions() const { return evictions_; }
  // Evictions since the last call (for publishing to a shared counter).
  uint64_t take_new_evictions() {
    uint64_t n = evictions_ - published_;
    published_ = evictions_;
    return n;
  }

 private:
  struct Window {
    std::array<uint32_t, kSlots> counts{};
    uint64_t last_slot = 0;
    uint64_t last_seen_ns = 0;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  void advance(Window& w, uint64_t slot) const;
  void make_room(uint64_t now_ns);
  bool crosses(uint64_t count) const;

  uint64_t window_ns_;
  uint64_t slot_ns_;
  CompareOp op_;
  uint64_t threshold_;
  size_t max_keys_;
  uint64_t evictions_ = 0;
  uint64_t published_ = 0;
  std::unordered_map<std::string, Window, Hash, std::equal_to<>> keys_;
};

// Token bucket: `burst` alerts at once, refilled at `per_second`. A rate of
// 0 disables limiting.
struct RateLimit {
  double per_second = 0;
  double burst = 0;
};

class TokenBucket {
 public:
  TokenBucket() = default;
  explicit TokenBucket(RateLimit limit)
      : limit_{limit.per_second, limit.burst < 1 ? 1.0 : limit.burst}, tokens_(limit_.burst) {}
  bool take(uint64_t now_ns);

 private:
  RateLimit limit_;
  double tokens_ = 0;
  uint64_t last_ns_ = 0;
  bool started_ = false;
};

}  // namespace ksight::rules
