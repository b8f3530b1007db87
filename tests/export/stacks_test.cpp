#include "export/stacks.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "export/flame_graph.h"
#include "synthetic_profile.h"

namespace ksight::exporter {
namespace {

using testing::synthetic_profile;

std::vector<std::string> names(const StackSet& set, const Stack& stack) {
  std::vector<std::string> out;
  for (uint32_t f : stack.frames) out.push_back(set.frames[f].name);
  return out;
}

TEST(Stacks, EqualStacksAreMergedAcrossPids) {
  StackSet set = collect_stacks(synthetic_profile(), 0, false);
  // Six samples; the two hot_leaf samples (pids 100 and 101, comm app) merge.
  ASSERT_EQ(set.stacks.size(), 5u);
  EXPECT_EQ(names(set, set.stacks[0]),
            (std::vector<std::string>{"app", "main", "compute", "hot_inner", "hot_leaf"}));
  EXPECT_EQ(set.stacks[0].value, 100);
  // Frames are interned: main appears once although under two processes.
  size_t mains = 0;
  for (const auto& f : set.frames) mains += f.name == "main";
  EXPECT_EQ(mains, 1u);
}

TEST(Stacks, KindsOfFrames) {
  StackSet set = collect_stacks(synthetic_profile(), 0, false);
  auto kind_of = [&](const std::string& name) {
    for (const auto& f : set.frames) {
      if (f.name == name) return f.kind;
    }
    ADD_FAILURE() << name;
    return FrameKind::kUser;
  };
  EXPECT_EQ(kind_of("app"), FrameKind::kProcess);
  EXPECT_EQ(kind_of("compute"), FrameKind::kUser);
  EXPECT_EQ(kind_of("hot_inner"), FrameKind::kInlined);
  EXPECT_EQ(kind_of("ksys_write"), FrameKind::kKernel);
  EXPECT_EQ(kind_of("nft_do_chain"), FrameKind::kKernel);
  EXPECT_EQ(kind_of("app+0x1300"), FrameKind::kUser);
}

TEST(Stacks, UnmappedUnsymbolizedAddressKeepsItsAddress) {
  profile::Profile p = synthetic_profile();
  profile::Location loc;
  loc.id = p.locations.size() + 1;
  loc.address = 0xffffffff81abcdef;
  loc.kernel = true;
  p.locations.push_back(loc);
  p.samples[3].location_ids = {loc.id};
  StackSet set = collect_stacks(p, 0, false);
  bool found = false;
  for (const auto& f : set.frames) {
    if (f.name == "0xffffffff81abcdef") found = f.kind == FrameKind::kKernel;
  }
  EXPECT_TRUE(found);
  p.samples[0].location_ids.push_back(999);
  EXPECT_THROW(collect_stacks(p, 0, false), Error);
}

TEST(FlameGraph, TreeValuesOrderAndPlacement) {
  StackSet set = collect_stacks(synthetic_profile(), 0, false);
  FlameTree tree = build_flame_tree(set);
  EXPECT_EQ(tree.root().value, 110);
  // Root children ordered by name: app, swapper/0, writer.
  ASSERT_EQ(tree.root().children.size(), 3u);
  std::vector<std::string> order;
  for (uint32_t c : tree.root().children) order.push_back(set.frames[tree.nodes[c].frame].name);
  EXPECT_EQ(order, (std::vector<std::string>{"app", "swapper/0", "writer"}));
  std::vector<PlacedFrame> placed = place_frames(tree, 0);
  EXPECT_EQ(placed.size(), 14u);
  EXPECT_EQ(placed[0].node, 0u);
  for (const auto& f : placed) {
    if (f.depth == 1 && set.frames[tree.nodes[f.node].frame].name == "writer") {
      EXPECT_EQ(f.start, 106);  // after app (105) and swapper/0 (1)
    }
  }
  // Frames under 4% of the total (4.4 samples, truncated to 4) are left out.
  EXPECT_EQ(place_frames(tree, 0.04).size(), 8u);
}

TEST(FlameGraph, NonPositiveStacksAreSkipped) {
  StackSet set;
  set.frames = {{"p", FrameKind::kProcess}, {"f", FrameKind::kUser}};
  set.stacks = {{{0, 1}, 5}, {{0}, -3}, {{1}, 0}};
  FlameTree tree = build_flame_tree(set);
  EXPECT_EQ(tree.root().value, 5);
  EXPECT_EQ(tree.nodes.size(), 3u);
}

}  // namespace
}  // namespace ksight::exporter
