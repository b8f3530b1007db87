#include "rules/passes.h"

#include <set>

namespace ksight::rules {

namespace {

size_t count_nodes(const Node& node) {
  size_t n = 1;
  for (const auto& c : node.children) n += count_nodes(*c);
  return n;
}

struct Expansion {
  std::vector<std::string> stack;  // macros being expanded (cycle check)
  size_t nodes = 0;                // nodes added so far
};

bool expand_node(NodePtr& node, MacroTable& macros, Diagnostics& diags, Expansion& state) {
  if (node->kind == NodeKind::kMacroRef) {
    auto it = macros.find(node->field);
    if (it == macros.end()) {
      diags.error(node->pos.locate(), "undefined macro '" + node->field + "'");
      return false;
    }
    for (const auto& name : state.stack) {
      if (name == node->field) {
        diags.error(node->pos.locate(), "macro '" + node->field + "' refers to itself");
        return false;
      }
    }
    it->second.used = true;
    state.nodes += count_nodes(*it->second.ast);
    if (state.nodes > kMaxExpandedNodes) {
      diags.error(node->pos.locate(),
                  "condition too large after expanding macro '" + node->field + "'");
      return false;
    }
    NodePtr copy = it->second.ast->clone();
    state.stack.push_back(node->field);
    bool ok = expand_node(copy, macros, diags, state);
    state.stack.pop_back();
    node = std::move(copy);
    return ok;
  }
  bool ok = true;
  for (auto& child : node->children) {
    ok = expand_node(child, macros, diags, state) && ok;
    if (state.nodes > kMaxExpandedNodes) return false;
  }
  return ok;
}

}  // namespace

bool expand_macros(NodePtr& root, MacroTable& macros, Diagnostics& diags) {
  Expansion state;
  return expand_node(root, macros, diags, state);
}

bool expand_list_items(std::vector<Value>& items, ListTable& lists) {
  std::vector<Value> out;
  for (auto& item : items) {
    auto it = item.quoted ? lists.end() : lists.find(item.text);
    size_t adding = it == lists.end() ? 1 : it->second.items.size();
    if (out.size() + adding > kMaxListItems) {
      items = std::move(out);
      return false;
    }
    if (it == lists.end()) {
      out.push_back(std::move(item));
      continue;
    }
    it->second.used = true;
    out.insert(out.end(), it->second.items.begin(), it->second.items.end());
  }
  items = std::move(out);
  return true;
}

bool expand_lists(Node& node, ListTable& lists, Diagnostics& diags) {
  if (node.kind == NodeKind::kCompare && node.list_rhs) {
    if (node.named_list && !lists.contains(node.values[0].text)) {
      diags.error(node.values[0].pos.locate(), "undefined list '" + node.values[0].text + "'");
      return false;
    }
    if (!expand_list_items(node.values, lists)) {
      diags.error(node.pos.locate(),
                  "list too large (over " + std::to_string(kMaxListItems) + " items)");
      return false;
    }
    node.named_list = false;
  }
  bool ok = true;
  for (auto& child : node.children) ok = expand_lists(*child, lists, diags) && ok;
  return ok;
}

namespace {

NodePtr make_const(const SourcePos& pos, bool value) {
  auto node = std::make_unique<Node>();
  node->kind = NodeKind::kConst;
  node->pos = pos;
  node->const_value = value;
  return node;
}

bool is_const(const Node& node, bool value) {
  return node.kind == NodeKind::kConst && node.const_value == value;
}

class Folder {
 public:
  explicit Folder(FoldResult& result) : result_(result) {}

  // Folds `node`; when it became a constant, returns the leaves that
  // decided its value.
  std::vector<FoldReason> fold(NodePtr& node) {
    switch (node->kind) {
      case NodeKind::kCompare:
        return fold_compare(node);
      case NodeKind::kNot: {
        auto why = fold(node->children[0]);
        if (node->children[0]->kind == NodeKind::kConst) {
          node = make_const(node->pos, !node->children[0]->const_value);
        }
        return why;
      }
      case NodeKind::kAnd:
      case NodeKind::kOr:
        return fold_logical(node);
      default:
        return {};
    }
  }

 private:
  std::vector<FoldReason> fold_compare(NodePtr& node) {
    const std::string& field = node->field;
    // evt.dir: a ksight event is enter and exit at once (check_special.h).
    // Bad values stay for compile_check to report.
    if (field == "evt.dir" && (node->op == CompareOp::kEq || node->op == CompareOp::kNe) &&
        node->values.size() == 1 && (node->values[0].text == "<" || node->values[0].text == ">")) {
      node = make_const(node->pos, node->op != CompareOp::kNe);
      return {};
    }
    if (field == "evt.type" &&
        (node->op == CompareOp::kEq || node->op == CompareOp::kIn || node->op == CompareOp::kNe)) {
      for (const auto& v : node->values) {
        if (event_type_from_name(v.text) != EventType::kUnknown) return {};
      }
      FoldReason why{to_string(*node), node->pos, false};
      node = make_const(node->pos, node->op == CompareOp::kNe);
      return {why};
    }
    std::string error;
    ResolvedField resolved = resolve_field(field, &error);
    if (!resolved.info || resolved.info->available) return {};
    FoldReason why{field, node->pos, true};
    result_.folded_fields.push_back(why);
    node = make_const(node->pos, false);
    return {why};
  }

  // and: a false child decides (false), else all true decide (true); or the
  // other way round. Constants that decide nothing are dropped.
  std::vector<FoldReason> fold_logical(NodePtr& node) {
    bool decider = node->kind == NodeKind::kOr;  // the value that decides
    std::vector<FoldReason> all;
    std::vector<NodePtr> kept;
    for (auto& child : node->children) {
      auto why = fold(child);
      if (is_const(*child, decider)) {
        node = make_const(node->pos, decider);
        return why;
      }
      all.insert(all.end(), why.begin(), why.end());
      if (child->kind != NodeKind::kConst) kept.push_back(std::move(child));
    }
    if (kept.empty()) {
      node = make_const(node->pos, !decider);
      return all;
    }
    if (kept.size() == 1) {
      node = std::move(kept[0]);
    } else {
      node->children = std::move(kept);
    }
    return {};
  }

  FoldResult& result_;
};

}  // namespace

FoldResult fold_unavailable(NodePtr& root) {
  FoldResult result;
  auto why = Folder(result).fold(root);
  if (is_const(*root, false)) result.never_matches = std::move(why);
  return result;
}

EventTypeSet event_types(const Node& node) {
  EventTypeSet all;
  all.set();
  switch (node.kind) {
    case NodeKind::kAnd: {
      EventTypeSet out = all;
      for (const auto& c : node.children) out &= event_types(*c);
      return out;
    }
    case NodeKind::kOr: {
      EventTypeSet out;
      for (const auto& c : node.children) out |= event_types(*c);
      return out;
    }
    case NodeKind::kNot: {
      // not (evt.type in (a, b)) is exactly the complement; anything else
      // under a not could match every type.
      const Node& child = *node.children[0];
      if (child.kind == NodeKind::kCompare && child.field == "evt.type" &&
          (child.op == CompareOp::kEq || child.op == CompareOp::kIn)) {
        return ~event_types(child);
      }
      return all;
    }
    case NodeKind::kMacroRef:
      return all;
    case NodeKind::kConst:
      return node.const_value ? all : EventTypeSet();
    case NodeKind::kCompare:
      break;
  }
  if (node.field != "evt.type") return all;
  if (node.op != CompareOp::kEq && node.op != CompareOp::kIn && node.op != CompareOp::kNe) {
    return all;
  }
  EventTypeSet out;
  for (const auto& v : node.values) {
    EventType t = event_type_from_name(v.text);
    if (t != EventType::kUnknown) out.set(static_cast<size_t>(t));
  }
  return node.op == CompareOp::kNe ? ~out : out;
}

void lint_condition(const Node& node, Diagnostics& diags) {
  if (node.kind == NodeKind::kOr) {
    std::set<std::string> seen;
    for (const auto& c : node.children) seen.insert(to_string(*c));
    for (const auto& c : node.children) {
      if (c->kind == NodeKind::kNot && seen.contains(to_string(*c->children[0]))) {
        diags.warning(node.pos.locate(), "condition is always true: '" +
                                             to_string(*c->children[0]) +
                                             "' or its negation always holds");
        break;
      }
    }
  }
  if (node.kind == NodeKind::kCompare && node.values.size() == 1 && !node.list_rhs) {
    const std::string& v = node.values[0].text;
    bool trivial =
        (v.empty() && (node.op == CompareOp::kContains || node.op == CompareOp::kStartsWith ||
                       node.op == CompareOp::kEndsWith || node.op == CompareOp::kIContains)) ||
        (node.op == CompareOp::kGlob && v.find_first_not_of('*') == std::string::npos);
    if (trivial) {
      diags.warning(node.pos.locate(),
                    "'" + to_string(node) + "' is always true when the field exists");
    }
  }
  for (const auto& c : node.children) lint_condition(*c, diags);
}

}  // namespace ksight::rules
