#include "store/profile_merge.h"

#include <gtest/gtest.h>

#include "store/profile_fixture.h"

namespace ksight::store {
namespace {

using testing::fixture_profile;
using testing::leaf_value;

TEST(MergeTest, SumsEqualStacksAndKeepsDistinctOnes) {
  auto a = fixture_profile({{{"main", "work", "leaf"}, 5}, {{"main", "idle"}, 1}});
  auto b = fixture_profile({{{"main", "work", "leaf"}, 7}, {{"main", "other"}, 2}});
  a.time_nanos = 100;
  a.duration_nanos = 10;
  b.time_nanos = 110;
  b.duration_nanos = 10;
  auto m = merge_profiles({&a, &b});
  EXPECT_EQ(leaf_value(m, "leaf"), 12);
  EXPECT_EQ(leaf_value(m, "idle"), 1);
  EXPECT_EQ(leaf_value(m, "other"), 2);
  EXPECT_EQ(leaf_value(m, "leaf", "cpu"), 120000000);
  EXPECT_EQ(m.samples.size(), 3u);
  EXPECT_EQ(m.locations.size(), 5u);  // main work leaf idle other
  EXPECT_EQ(m.mappings.size(), 1u);
  EXPECT_EQ(m.time_nanos, 100);
  EXPECT_EQ(m.duration_nanos, 20);
}

TEST(MergeTest, DifferentProcessesStayApart) {
  auto a = fixture_profile({{{"main", "leaf"}, 3}}, "app", 1);
  auto b = fixture_profile({{{"main", "leaf"}, 4}}, "db", 2);
  auto m = merge_profiles({&a, &b});
  EXPECT_EQ(m.samples.size(), 2u);
  EXPECT_EQ(m.mappings.size(), 2u);  // /bin/app and /bin/db
  EXPECT_EQ(leaf_value(m, "leaf"), 7);
}

TEST(MergeTest, SampleTypesAreMatchedByName) {
  auto a = fixture_profile({{{"main", "leaf"}, 3}});
  auto b = fixture_profile({{{"main", "leaf"}, 4}});
  std::swap(b.sample_types[0], b.sample_types[1]);
  for (auto& s : b.samples) std::swap(s.values[0], s.values[1]);
  auto m = merge_profiles({&a, &b});
  EXPECT_EQ(leaf_value(m, "leaf"), 7);
  EXPECT_EQ(leaf_value(m, "leaf", "cpu"), 70000000);
}

TEST(MergeTest, ExtraLabelsAreAddedWithoutTheType) {
  auto a = fixture_profile({{{"main", "leaf"}, 3}});
  ProfileMerger merger;
  Labels extra{{"comm", "ignored"}, {"container_id", "c1"}, {"type", "cpu"}};
  merger.add(a, 1, &extra);
  auto m = merger.take();
  EXPECT_EQ(m.samples[0].label("comm"), "app");
  EXPECT_EQ(m.samples[0].label("container_id"), "c1");
  EXPECT_EQ(m.samples[0].label("type"), "");
}

TEST(DiffTest, TargetMinusBase) {
  auto base = fixture_profile({{{"main", "leaf"}, 10}, {{"main", "gone"}, 4}});
  auto target = fixture_profile({{{"main", "leaf"}, 25}, {{"main", "new"}, 3}});
  auto d = diff_profiles(base, target);
  EXPECT_EQ(leaf_value(d, "leaf"), 15);
  EXPECT_EQ(leaf_value(d, "gone"), -4);
  EXPECT_EQ(leaf_value(d, "new"), 3);
}

}  // namespace
}  // namespace ksight::store
