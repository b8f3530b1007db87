#include "export/flame_graph.h"

#include <algorithm>

namespace ksight::exporter {
namespace {

void place(const FlameNode& node, int64_t start, int depth, int64_t min_value,
           std::vector<PlacedFrame>& out) {
  if (node.value < min_value) return;
  out.push_back({&node, start, depth});
  for (const auto& [key, child] : node.children) {
    place(child, start, depth + 1, min_value, out);
    start += child.value;
  }
}

}  // namespace

FlameNode build_flame_tree(const std::vector<Stack>& stacks) {
  FlameNode root;
  root.name = "all";
  root.root = true;
  for (const auto& stack : stacks) {
    if (stack.value <= 0) continue;
    root.value += stack.value;
    FlameNode* node = &root;
    for (const auto& frame : stack.frames) {
      auto [it, inserted] = node->children.try_emplace({frame.name, frame.kind});
      if (inserted) {
        it->second.name = frame.name;
        it->second.kind = frame.kind;
      }
      node = &it->second;
      node->value += stack.value;
    }
  }
  return root;
}

std::vector<PlacedFrame> place_frames(const FlameNode& root, double min_fraction) {
  std::vector<PlacedFrame> out;
  auto min_value = static_cast<int64_t>(static_cast<double>(root.value) * min_fraction);
  place(root, 0, 0, std::max<int64_t>(min_value, 1), out);
  return out;
}

}  // namespace ksight::exporter
