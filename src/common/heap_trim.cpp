#include "common/heap_trim.h"

#include <malloc.h>
#include <spdlog/spdlog.h>

namespace ksight {

std::optional<double> HeapTrimmer::maybe_trim(Clock::time_point now) {
  if (now - last_ < interval_) return std::nullopt;
  last_ = now;
  auto start = Clock::now();
  int released = malloc_trim(0);
  std::chrono::duration<double> took = Clock::now() - start;
  spdlog::debug("heap trim: {} in {:.6f} s", released ? "released pages" : "nothing to release",
                took.count());
  return took.count();
}

}  // namespace ksight
