// HeapTrimmer (src/common/heap_trim.h): trims at most once per interval, and
// a trim after freeing a fragmented heap gives pages back.
#include "common/heap_trim.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace ksight {
namespace {

using namespace std::chrono_literals;

size_t rss_anon_kib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  size_t kib = 0;
  while (in >> key) {
    if (key == "RssAnon:") {
      in >> kib;
      return kib;
    }
  }
  return 0;
}

TEST(HeapTrimmer, TrimsAtMostOncePerInterval) {
  HeapTrimmer trimmer(10s);
  auto t0 = HeapTrimmer::Clock::time_point{} + 1h;
  EXPECT_TRUE(trimmer.maybe_trim(t0));
  EXPECT_FALSE(trimmer.maybe_trim(t0 + 9s));
  EXPECT_TRUE(trimmer.maybe_trim(t0 + 10s));
  EXPECT_FALSE(trimmer.maybe_trim(t0 + 11s));
}

// Every other block of a 64 MiB heap freed: the free memory sits between
// live blocks, where only a trim (not free()) returns it.
TEST(HeapTrimmer, ReturnsFreePagesInTheMiddleOfTheHeap) {
  std::vector<std::unique_ptr<char[]>> blocks;
  // 64 KiB: below malloc's mmap threshold, so they are heap chunks.
  for (int i = 0; i < 1024; ++i) {
    blocks.emplace_back(new char[64 * 1024]);
    std::fill_n(blocks.back().get(), 64 * 1024, 1);  // resident
  }
  for (size_t i = 0; i < blocks.size(); i += 2) blocks[i].reset();
  ASSERT_GT(mallinfo2().fordblks, size_t{30} << 20);
  size_t before = rss_anon_kib();
  HeapTrimmer trimmer(10s);
  auto took = trimmer.maybe_trim();
  ASSERT_TRUE(took);
  EXPECT_LT(*took, 1.0);
  size_t after = rss_anon_kib();
  std::cout << "RssAnon " << before << " KiB -> " << after << " KiB after the trim (" << *took
            << " s)\n";
  // 32 MiB freed in 64 KiB holes: all but a page or two of each goes back.
  EXPECT_LT(after + 20 * 1024, before);
}

}  // namespace
}  // namespace ksight
