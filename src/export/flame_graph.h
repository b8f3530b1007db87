#pragma once
// Stacks merged by path into the tree a flame graph draws: every node is one
// frame under one specific chain of callers, valued by the samples whose
// stacks pass through it. Children are ordered by name, as flamegraph.pl
// orders them, so the picture is deterministic.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "export/stacks.h"

namespace ksight::exporter {

struct FlameNode {
  std::string name;
  FrameKind kind = FrameKind::kUser;
  bool root = false;  // the synthetic "all" frame under every process
  int64_t value = 0;  // this frame and everything it called
  std::map<std::pair<std::string, FrameKind>, FlameNode> children;
};

// The tree of `stacks` under a root named "all". Stacks with a value <= 0
// are skipped: widths cannot be negative.
FlameNode build_flame_tree(const std::vector<Stack>& stacks);

// A node placed on the graph: `start` is the sum of the values of the nodes
// left of it at its depth, in the same units as value (pixels come later).
struct PlacedFrame {
  const FlameNode* node = nullptr;
  int64_t start = 0;
  int depth = 0;  // 0 is the root
};

// Every node whose width is at least `min_fraction` of the root's, parents
// before children.
std::vector<PlacedFrame> place_frames(const FlameNode& root, double min_fraction);

}  // namespace ksight::exporter
