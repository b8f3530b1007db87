#pragma once
// Stacks merged by path into the tree a flame graph draws: every node is one
// frame under one specific chain of callers, valued by the samples whose
// stacks pass through it. Children are ordered by name, as flamegraph.pl
// orders them, so the picture is deterministic.
#include <cstdint>
#include <string>
#include <vector>

#include "export/stacks.h"

namespace ksight::exporter {

struct FlameNode {
  uint32_t frame = 0;              // id into StackSet::frames; unused for the root
  int64_t value = 0;               // this frame and everything it called
  std::vector<uint32_t> children;  // node ids, ordered by frame name
};

struct FlameTree {
  std::vector<FlameNode> nodes;  // nodes[0] is the synthetic "all" root
  const FlameNode& root() const { return nodes[0]; }
};

// The tree of `set`'s stacks. Stacks with a value <= 0 are skipped: widths
// cannot be negative.
FlameTree build_flame_tree(const StackSet& set);

// A node placed on the graph: `start` is the sum of the values of the nodes
// left of it at its depth, in the same units as value (pixels come later).
struct PlacedFrame {
  uint32_t node = 0;
  int64_t start = 0;
  int depth = 0;  // 0 is the root
};

// Every node whose value is at least `min_fraction` of the root's (and > 0),
// parents before children.
std::vector<PlacedFrame> place_frames(const FlameTree& tree, double min_fraction);

}  // namespace ksight::exporter
