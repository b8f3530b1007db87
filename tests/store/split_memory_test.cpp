// The bound on the agent's memory when a window is split into one series per
// process (store::split_by_process, used by every profile type): the bytes
// allocated at once stay within a small multiple of one copy of the window,
// however many processes it holds. Its own binary: it replaces the global
// operator new to measure the peak (counting_new.cpp).
#include <gtest/gtest.h>

#include "counting_new.h"
#include "profile_fixture.h"
#include "store/cpu_window_feeder.h"
#include "store/profile_merge.h"

namespace ksight::store {
namespace {

// An off-CPU-like window: many short-lived processes, each with its own
// frames (its own binary) and a few shared ones.
profile::Profile many_process_window(int processes) {
  std::vector<profile::Profile> parts;
  for (int p = 0; p < processes; ++p) {
    std::string comm = "proc" + std::to_string(p);
    std::vector<testing::FixtureStack> stacks;
    for (int s = 0; s < 8; ++s) {
      std::vector<std::string> frames = {"_start", "main"};
      for (int d = 0; d < 6; ++d) frames.push_back(comm + "_fn" + std::to_string(s * 6 + d));
      stacks.push_back({frames, s + 1});
    }
    parts.push_back(testing::fixture_profile(stacks, comm, 1000 + p));
  }
  std::vector<const profile::Profile*> ptrs;
  for (const auto& p : parts) ptrs.push_back(&p);
  return merge_profiles(ptrs);
}

TEST(SplitMemoryTest, PeakIsAboutOneWindowNotOnePerProcess) {
  auto whole = many_process_window(400);
  ASSERT_GT(whole.locations.size(), 400u * 40);
  size_t one_copy = testing::peak_during([&] { profile::Profile copy = whole; });
  std::vector<std::pair<std::pair<std::string, int64_t>, profile::Profile>> parts;
  size_t split = testing::peak_during([&] { parts = split_by_process(whole); });
  std::cout << "one copy of the window: " << one_copy << " bytes; split into " << parts.size()
            << " processes: peak " << split << " bytes\n";
  ASSERT_EQ(parts.size(), 400u);
  // The parts together are about one copy (shared frames repeat per part).
  EXPECT_LT(split, 3 * one_copy);
  size_t locations = 0;
  for (const auto& [key, part] : parts) {
    EXPECT_EQ(part.mappings.size(), 1u) << key.first;
    EXPECT_EQ(part.locations.size(), 2u + 8 * 6) << key.first;
    EXPECT_EQ(testing::leaf_value(part, key.first + "_fn5"), 1);
    locations += part.locations.size();
  }
  EXPECT_LE(locations, whole.locations.size() + 2 * parts.size());
}

}  // namespace
}  // namespace ksight::store
