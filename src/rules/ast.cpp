#include "rules/ast.h"

namespace ksight::rules {

std::string_view compare_op_name(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
    case CompareOp::kContains:
      return "contains";
    case CompareOp::kIContains:
      return "icontains";
    case CompareOp::kStartsWith:
      return "startswith";
    case CompareOp::kEndsWith:
      return "endswith";
    case CompareOp::kGlob:
      return "glob";
    case CompareOp::kIGlob:
      return "iglob";
    case CompareOp::kBContains:
      return "bcontains";
    case CompareOp::kBStartsWith:
      return "bstartswith";
    case CompareOp::kIn:
      return "in";
    case CompareOp::kIntersects:
      return "intersects";
    case CompareOp::kPmatch:
      return "pmatch";
    case CompareOp::kExists:
      return "exists";
  }
  return "?";
}

std::optional<CompareOp> compare_op_from_name(std::string_view name) {
  if (name == "==") return CompareOp::kEq;
  for (int i = 0; i <= static_cast<int>(CompareOp::kExists); ++i) {
    auto op = static_cast<CompareOp>(i);
    if (compare_op_name(op) == name) return op;
  }
  return std::nullopt;
}

bool is_list_op(CompareOp op) {
  return op == CompareOp::kIn || op == CompareOp::kIntersects || op == CompareOp::kPmatch;
}

NodePtr Node::clone() const {
  auto copy = std::make_unique<Node>();
  copy->kind = kind;
  copy->pos = pos;
  copy->field = field;
  copy->op = op;
  copy->values = values;
  copy->list_rhs = list_rhs;
  copy->named_list = named_list;
  copy->const_value = const_value;
  copy->op_pos = op_pos;
  for (const auto& child : children) copy->children.push_back(child->clone());
  return copy;
}

NodePtr make_logical(NodeKind kind, SourcePos pos, std::vector<NodePtr> children) {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->pos = std::move(pos);
  node->children = std::move(children);
  return node;
}

NodePtr make_not(SourcePos pos, NodePtr child) {
  std::vector<NodePtr> children;
  children.push_back(std::move(child));
  return make_logical(NodeKind::kNot, std::move(pos), std::move(children));
}

std::string to_string(const Node& node) {
  switch (node.kind) {
    case NodeKind::kAnd:
    case NodeKind::kOr: {
      std::string out = "(";
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i) out += node.kind == NodeKind::kAnd ? " and " : " or ";
        out += to_string(*node.children[i]);
      }
      return out + ")";
    }
    case NodeKind::kNot:
      return "not " + to_string(*node.children[0]);
    case NodeKind::kMacroRef:
      return node.field;
    case NodeKind::kConst:
      return node.const_value ? "<true>" : "<false>";
    case NodeKind::kCompare:
      break;
  }
  std::string out = node.field + " " + std::string(compare_op_name(node.op));
  if (node.op == CompareOp::kExists) return out;
  if (node.list_rhs) {
    out += " (";
    for (size_t i = 0; i < node.values.size(); ++i) {
      if (i) out += ", ";
      out += node.values[i].text;
    }
    return out + ")";
  }
  return out + " " + (node.values.empty() ? std::string() : node.values[0].text);
}

}  // namespace ksight::rules
