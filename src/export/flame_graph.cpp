#include "export/flame_graph.h"

#include <algorithm>
#include <unordered_map>

namespace ksight::exporter {
namespace {

void place(const FlameTree& tree, uint32_t id, int64_t start, int depth, int64_t min_value,
           std::vector<PlacedFrame>& out) {
  const FlameNode& node = tree.nodes[id];
  if (node.value < min_value) return;
  out.push_back({id, start, depth});
  for (uint32_t child : node.children) {
    place(tree, child, start, depth + 1, min_value, out);
    start += tree.nodes[child].value;
  }
}

void sort_children(FlameTree& tree, const StackSet& set) {
  for (auto& node : tree.nodes) {
    std::sort(node.children.begin(), node.children.end(), [&](uint32_t a, uint32_t b) {
      const Frame& fa = set.frames[tree.nodes[a].frame];
      const Frame& fb = set.frames[tree.nodes[b].frame];
      return fa.name != fb.name ? fa.name < fb.name : fa.kind < fb.kind;
    });
  }
}

}  // namespace

FlameTree build_flame_tree(const StackSet& set) {
  FlameTree tree;
  tree.nodes.emplace_back();
  // (parent node << 32 | frame) → child node
  std::unordered_map<uint64_t, uint32_t> child_of;
  for (const auto& stack : set.stacks) {
    if (stack.value <= 0) continue;
    tree.nodes[0].value += stack.value;
    uint32_t node = 0;
    for (uint32_t frame : stack.frames) {
      uint64_t key = (static_cast<uint64_t>(node) << 32) | frame;
      auto [it, inserted] = child_of.try_emplace(key, static_cast<uint32_t>(tree.nodes.size()));
      if (inserted) {
        tree.nodes.push_back({frame, 0, {}});
        tree.nodes[node].children.push_back(it->second);
      }
      node = it->second;
      tree.nodes[node].value += stack.value;
    }
  }
  sort_children(tree, set);
  return tree;
}

std::vector<PlacedFrame> place_frames(const FlameTree& tree, double min_fraction) {
  std::vector<PlacedFrame> out;
  auto min_value = static_cast<int64_t>(static_cast<double>(tree.root().value) * min_fraction);
  place(tree, 0, 0, 0, std::max<int64_t>(min_value, 1), out);
  return out;
}

}  // namespace ksight::exporter
