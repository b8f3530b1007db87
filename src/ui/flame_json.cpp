#include "ui/flame_json.h"

#include <algorithm>
#include <map>
#include <set>

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
  std::string name;
  exporter::FrameKind kind = exporter::FrameKind::kUser;
  int64_t value = 0;
  int64_t base = 0;
  std::map<std::pair<std::string, int>, size_t> children;  // (name, kind) → node index
};

struct TopRow {
  exporter::FrameKind kind;
  int64_t flat = 0, cum = 0, base_flat = 0, base_cum = 0;
};

// Builds one tree and one table from one or two profiles' stacks.
class Aggregator {
 public:
  Aggregator() { nodes_.push_back({"all"}); }

  void add(const exporter::StackSet& set, bool is_base) {
    for (const auto& stack : set.stacks) {
      if (stack.value == 0) continue;
      add_stack(set, stack, is_base);
    }
  }

  nlohmann::json tree(double min_fraction, bool diff) const {
    int64_t root = std::max(nodes_[0].value, nodes_[0].base);
    int64_t min_value = static_cast<int64_t>(static_cast<double>(root) * min_fraction);
    return node_json(0, std::max<int64_t>(min_value, 1), diff);
  }

  nlohmann::json top(size_t rows, bool diff) const {
    std::vector<std::pair<std::string, const TopRow*>> sorted;
    for (const auto& [name, row] : top_) sorted.emplace_back(name, &row);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      auto ka = std::max(a.second->flat, a.second->base_flat);
      auto kb = std::max(b.second->flat, b.second->base_flat);
      if (ka != kb) return ka > kb;
      return a.second->cum > b.second->cum;
    });
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < sorted.size() && i < rows; ++i) {
      const TopRow& r = *sorted[i].second;
      nlohmann::json row = {
          {"name", sorted[i].first}, {"kind", kind_code(r.kind)}, {"flat", r.flat}, {"cum", r.cum}};
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
  void add_stack(const exporter::StackSet& set, const exporter::Stack& stack, bool is_base) {
    size_t node = 0;
    bump(nodes_[0], stack.value, is_base);
    std::set<std::string> seen;
    for (size_t i = 0; i < stack.frames.size(); ++i) {
      const auto& frame = set.frames[stack.frames[i]];
      node = child(node, frame);
      bump(nodes_[node], stack.value, is_base);
      if (frame.kind == exporter::FrameKind::kProcess) continue;
      TopRow& row = top_.try_emplace(frame.name, TopRow{frame.kind}).first->second;
      if (seen.insert(frame.name).second) (is_base ? row.base_cum : row.cum) += stack.value;
      if (i + 1 == stack.frames.size()) (is_base ? row.base_flat : row.flat) += stack.value;
    }
  }

  size_t child(size_t parent, const exporter::Frame& frame) {
    auto key = std::make_pair(frame.name, static_cast<int>(frame.kind));
    auto it = nodes_[parent].children.find(key);
    if (it != nodes_[parent].children.end()) return it->second;
    nodes_.push_back({frame.name, frame.kind});
    nodes_[parent].children.emplace(key, nodes_.size() - 1);
    return nodes_.size() - 1;
  }

  static void bump(Node& n, int64_t value, bool is_base) { (is_base ? n.base : n.value) += value; }

  nlohmann::json node_json(size_t index, int64_t min_value, bool diff) const {
    const Node& n = nodes_[index];
    nlohmann::json j = {{"n", n.name}, {"k", index == 0 ? "r" : kind_code(n.kind)}, {"v", n.value}};
    if (diff) j["b"] = n.base;
    nlohmann::json children = nlohmann::json::array();
    for (const auto& [key, child_index] : n.children) {
      const Node& c = nodes_[child_index];
      if (std::max(c.value, c.base) < min_value) continue;
      children.push_back(node_json(child_index, min_value, diff));
    }
    if (!children.empty()) j["c"] = std::move(children);
    return j;
  }

  std::vector<Node> nodes_;
  std::map<std::string, TopRow> top_;
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
