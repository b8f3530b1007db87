#include "ui/flame_json.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "export/stacks.h"

namespace ksight::ui {

namespace {

const char* kind_code(exporter::FrameKind kind) {
  switch (kind) {
    case exporter::FrameKind::kProcess:
      return "p";
    case exporter::FrameKind::kKernel:
      return "k";
    case exporter::FrameKind::kInlined:
      return "i";
    case exporter::FrameKind::kUser:
      break;
  }
  return "u";
}

struct Node {
  uint32_t frame = 0;  // id into Aggregator::frames_; unused for the root
  int64_t value = 0;
  int64_t base = 0;
  std::vector<uint32_t> children{};
};

struct TopRow {
  int64_t flat = 0, cum = 0, base_flat = 0, base_cum = 0;
  uint64_t last_stack = 0;  // stack number that last counted cum (once per stack)
};

// Builds one tree and one table from one or two profiles' stacks. Frames are
// interned by (name, kind) so that the stacks of two profiles line up, and
// tree edges are found by (parent node, frame) in one hash map.
class Aggregator {
 public:
  Aggregator() { nodes_.push_back({}); }

  void add(const exporter::StackSet& set, bool is_base) {
    std::vector<uint32_t> remap(set.frames.size());
    for (size_t i = 0; i < set.frames.size(); ++i) remap[i] = intern(set.frames[i]);
    for (const auto& stack : set.stacks) {
      if (stack.value == 0) continue;
      add_stack(stack, remap, is_base);
    }
  }

  nlohmann::json tree(double min_fraction, bool diff) const {
    int64_t root = std::max(nodes_[0].value, nodes_[0].base);
    int64_t min_value = static_cast<int64_t>(static_cast<double>(root) * min_fraction);
    return node_json(0, std::max<int64_t>(min_value, 1), diff);
  }

  nlohmann::json top(size_t rows, bool diff) const {
    std::vector<uint32_t> order;
    for (uint32_t f = 0; f < frames_.size(); ++f) {
      if (frames_[f].kind != exporter::FrameKind::kProcess) order.push_back(f);
    }
    std::sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) {
      auto ka = std::max(top_[a].flat, top_[a].base_flat);
      auto kb = std::max(top_[b].flat, top_[b].base_flat);
      if (ka != kb) return ka > kb;
      if (top_[a].cum != top_[b].cum) return top_[a].cum > top_[b].cum;
      return frames_[a].name < frames_[b].name;
    });
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < order.size() && i < rows; ++i) {
      const TopRow& r = top_[order[i]];
      nlohmann::json row = {{"name", frames_[order[i]].name},
                            {"kind", kind_code(frames_[order[i]].kind)},
                            {"flat", r.flat},
                            {"cum", r.cum}};
      if (diff) {
        row["base_flat"] = r.base_flat;
        row["base_cum"] = r.base_cum;
      }
      out.push_back(std::move(row));
    }
    return out;
  }

  int64_t total(bool base) const { return base ? nodes_[0].base : nodes_[0].value; }

 private:
  uint32_t intern(const exporter::Frame& frame) {
    std::string key = frame.name;
    key += static_cast<char>('0' + static_cast<int>(frame.kind));
    auto [it, fresh] = frame_ids_.emplace(std::move(key), frames_.size());
    if (fresh) {
      frames_.push_back(frame);
      top_.emplace_back();
    }
    return it->second;
  }

  void add_stack(const exporter::Stack& stack, const std::vector<uint32_t>& remap, bool is_base) {
    ++stack_number_;
    uint32_t node = 0;
    bump(nodes_[0], stack.value, is_base);
    for (size_t i = 0; i < stack.frames.size(); ++i) {
      uint32_t frame = remap[stack.frames[i]];
      node = child(node, frame);
      bump(nodes_[node], stack.value, is_base);
      if (frames_[frame].kind == exporter::FrameKind::kProcess) continue;
      TopRow& row = top_[frame];
      if (row.last_stack != stack_number_) {
        row.last_stack = stack_number_;
        (is_base ? row.base_cum : row.cum) += stack.value;
      }
      if (i + 1 == stack.frames.size()) (is_base ? row.base_flat : row.flat) += stack.value;
    }
  }

  uint32_t child(uint32_t parent, uint32_t frame) {
    uint64_t edge = (uint64_t{parent} << 32) | frame;
    auto [it, fresh] = edges_.emplace(edge, static_cast<uint32_t>(nodes_.size()));
    if (fresh) {
      nodes_.push_back({frame});
      nodes_[parent].children.push_back(it->second);
    }
    return it->second;
  }

  static void bump(Node& n, int64_t value, bool is_base) { (is_base ? n.base : n.value) += value; }

  nlohmann::json node_json(uint32_t index, int64_t min_value, bool diff) const {
    const Node& n = nodes_[index];
    nlohmann::json j;
    if (index == 0) {
      j = {{"n", "all"}, {"k", "r"}, {"v", n.value}};
    } else {
      j = {{"n", frames_[n.frame].name}, {"k", kind_code(frames_[n.frame].kind)}, {"v", n.value}};
    }
    if (diff) j["b"] = n.base;
    std::vector<uint32_t> shown;
    for (uint32_t c : n.children) {
      if (std::max(nodes_[c].value, nodes_[c].base) >= min_value) shown.push_back(c);
    }
    if (shown.empty()) return j;
    // Children by name, as flamegraph.pl orders them: deterministic pictures.
    std::sort(shown.begin(), shown.end(), [this](uint32_t a, uint32_t b) {
      return frames_[nodes_[a].frame].name < frames_[nodes_[b].frame].name;
    });
    nlohmann::json children = nlohmann::json::array();
    for (uint32_t c : shown) children.push_back(node_json(c, min_value, diff));
    j["c"] = std::move(children);
    return j;
  }

  std::vector<Node> nodes_;
  std::vector<exporter::Frame> frames_;
  std::vector<TopRow> top_;
  std::unordered_map<std::string, uint32_t> frame_ids_;
  std::unordered_map<uint64_t, uint32_t> edges_;
  uint64_t stack_number_ = 0;
};

nlohmann::json sample_types_json(const profile::Profile& p) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : p.sample_types) out.push_back({{"type", t.type}, {"unit", t.unit}});
  return out;
}

}  // namespace

nlohmann::json profile_json(const profile::Profile& profile, const FlameOptions& options,
                            const profile::Profile* base) {
  const profile::Profile& shape = profile.sample_types.empty() && base ? *base : profile;
  nlohmann::json out = {{"sample_types", sample_types_json(shape)}};
  if (shape.sample_types.empty()) {  // nothing stored for this query
    out.update({{"value_type", ""},
                {"unit", ""},
                {"total", 0},
                {"flame", {{"n", "all"}, {"k", "r"}, {"v", 0}}},
                {"top", nlohmann::json::array()}});
    if (base) out["base_total"] = 0;
    return out;
  }
  size_t index = exporter::select_value_index(shape, options.value_type);
  const auto& type = shape.sample_types[index];
  Aggregator agg;
  if (!profile.sample_types.empty()) {
    int i = profile.value_index(type.type);
    if (i >= 0) agg.add(exporter::collect_stacks(profile, i, false), false);
  }
  if (base && !base->sample_types.empty()) {
    int i = base->value_index(type.type);
    if (i >= 0) agg.add(exporter::collect_stacks(*base, i, false), true);
  }
  out.update({{"value_type", type.type}, {"unit", type.unit}, {"total", agg.total(false)}});
  out["flame"] = agg.tree(options.min_fraction, base != nullptr);
  out["top"] = agg.top(options.top_rows, base != nullptr);
  if (base) out["base_total"] = agg.total(true);
  return out;
}

}  // namespace ksight::ui
