#include "rules/rate.h"

#include <algorithm>

namespace ksight::rules {

RateTracker::RateTracker(uint64_t window_ns, CompareOp op, uint64_t threshold, size_t max_keys)
    : window_ns_(std::max<uint64_t>(window_ns, kSlots)),
      slot_ns_(window_ns_ / kSlots),
      op_(op),
      threshold_(threshold),
      max_keys_(std::max<size_t>(max_keys, 1)) {}

void RateTracker::advance(Window& w, uint64_t slot) const {
  if (slot <= w.last_slot) return;
  if (slot - w.last_slot >= kSlots) {
    w.counts.fill(0);
  } else {
    for (uint64_t s = w.last_slot + 1; s <= slot; ++s) w.counts[s % kSlots] = 0;
  }
  w.last_slot = slot;
}

bool RateTracker::crosses(uint64_t count) const {
  switch (op_) {
    case CompareOp::kGe:
      return count >= threshold_;
    case CompareOp::kEq:
      return count == threshold_;
    default:
      return count > threshold_;
  }
}

void RateTracker::make_room(uint64_t now_ns) {
  std::erase_if(keys_, [&](const auto& kv) {
    bool idle = now_ns >= kv.second.last_seen_ns + window_ns_;
    evictions_ += idle;
    return idle;
  });
  if (keys_.size() < max_keys_) return;
  auto oldest = std::min_element(keys_.begin(), keys_.end(), [](const auto& a, const auto& b) {
    return a.second.last_seen_ns < b.second.last_seen_ns;
  });
  keys_.erase(oldest);
  ++evictions_;
}

bool RateTracker::observe(std::string_view key, uint64_t now_ns, uint64_t* count) {
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    if (keys_.size() >= max_keys_) make_room(now_ns);
    it = keys_.emplace(std::string(key), Window{}).first;
    it->second.last_slot = now_ns / slot_ns_;
  }
  Window& w = it->second;
  uint64_t slot = now_ns / slot_ns_;
  advance(w, slot);
  w.last_seen_ns = now_ns;
  ++w.counts[slot % kSlots];
  uint64_t total = 0;
  for (uint32_t c : w.counts) total += c;
  if (!crosses(total)) return false;
  if (count) *count = total;
  w.counts.fill(0);
  return true;
}

bool TokenBucket::take(uint64_t now_ns) {
  if (limit_.per_second <= 0) return true;
  if (!started_) {
    started_ = true;
    last_ns_ = now_ns;
  }
  if (now_ns > last_ns_) {
    double refill = static_cast<double>(now_ns - last_ns_) * limit_.per_second / 1e9;
    tokens_ = std::min(limit_.burst, tokens_ + refill);
    last_ns_ = now_ns;
  }
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

}  // namespace ksight::rules
