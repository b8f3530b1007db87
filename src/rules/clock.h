#pragma once
// Time for rate rules and alert rate limiting, injectable so tests drive it.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace ksight::rules {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint64_t now_ns() const = 0;
};

class SteadyClock : public Clock {
 public:
  uint64_t now_ns() const override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }
};

// Tests: time moves only when told to.
class FakeClock : public Clock {
 public:
  explicit FakeClock(uint64_t start_ns = 1'000'000'000) : now_(start_ns) {}
  uint64_t now_ns() const override { return now_.load(); }
  void advance(std::chrono::nanoseconds d) { now_ += static_cast<uint64_t>(d.count()); }
  void set(uint64_t ns) { now_ = ns; }

 private:
  std::atomic<uint64_t> now_;
};

}  // namespace ksight::rules
