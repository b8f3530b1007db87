#pragma once
// Gives the free pages malloc holds back to the kernel, at most once per
// interval (glibc malloc_trim(0): MADV_DONTNEED on free pages of every
// arena, not only the top of the heap).
//
// Why: the agent's profile store evicts and replaces thousands of small
// windows of different sizes; with every cap reached the heap in use stays
// flat, but freed chunks in the middle of the heap stay resident, so RSS
// crept up ~1.5 MB/min for minutes (measured with ksight_heap_bytes,
// bench/agent_rss_curve.sh). A trim every 10 s costs a few ms.
#include <chrono>
#include <optional>

namespace ksight {

class HeapTrimmer {
 public:
  using Clock = std::chrono::steady_clock;
  explicit HeapTrimmer(std::chrono::seconds interval = std::chrono::seconds(10))
      : interval_(interval) {}
  // Trims when the interval has passed since the last trim; returns the
  // seconds it took, nullopt when it was not due.
  std::optional<double> maybe_trim(Clock::time_point now = Clock::now());

 private:
  std::chrono::seconds interval_;
  Clock::time_point last_{};
};

}  // namespace ksight
