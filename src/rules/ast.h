#pragma once
// The condition AST. Every node keeps the SourceText it was parsed from and
// its offset there, so nodes copied in by macro expansion still point at the
// macro's own file and line.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/diagnostic.h"

namespace ksight::rules {

enum class CompareOp {
  kEq,  // = and ==
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kContains,
  kIContains,
  kStartsWith,
  kEndsWith,
  kGlob,
  kIGlob,        // glob, case-insensitive
  kBContains,    // bytes: the value is hex (`bcontains cafebabe`)
  kBStartsWith,  // bytes: the value is hex
  kIn,
  kIntersects,
  kPmatch,
  kExists,
};

std::string_view compare_op_name(CompareOp op);
// "=", "contains", ... (as written in conditions and exception comps).
std::optional<CompareOp> compare_op_from_name(std::string_view name);
// True for the operators whose right-hand side is a list.
bool is_list_op(CompareOp op);

struct SourcePos {
  std::shared_ptr<const SourceText> source;
  uint32_t offset = 0;
  Location locate() const { return source ? source->locate(offset) : Location{}; }
};

struct Value {
  std::string text;
  SourcePos pos;
  bool quoted = false;  // "..." or '...': never a list name
};

// kConst: a part of a condition whose value is known at load time (a field
// ksight has no data for, a syscall it does not see); made by
// fold_unavailable() (passes.h), never by the parser.
enum class NodeKind { kAnd, kOr, kNot, kCompare, kMacroRef, kConst };

struct Node {
  NodeKind kind = NodeKind::kCompare;
  SourcePos pos;
  std::vector<std::unique_ptr<Node>> children;  // kAnd, kOr (2+), kNot (1)
  // kCompare: `field op values`; kMacroRef: `field` holds the macro name.
  std::string field;
  CompareOp op = CompareOp::kEq;
  std::vector<Value> values;
  bool list_rhs = false;     // values came from a list (inline or named)
  bool named_list = false;   // `in shell_binaries`: values[0] names a list
  bool const_value = false;  // kConst
  SourcePos op_pos;

  std::unique_ptr<Node> clone() const;
};
using NodePtr = std::unique_ptr<Node>;

NodePtr make_logical(NodeKind kind, SourcePos pos, std::vector<NodePtr> children);
NodePtr make_not(SourcePos pos, NodePtr child);

// `| count by (f1, f2) > N within 60s`: the rate clause of a rule condition.
struct RateClause {
  SourcePos pos;
  std::vector<std::string> by_fields;
  std::vector<SourcePos> by_positions;
  CompareOp op = CompareOp::kGt;  // one of > >= =
  uint64_t threshold = 0;
  uint64_t window_ns = 0;
};

// Canonical text of a condition (used for always-true checks and tests).
std::string to_string(const Node& node);

}  // namespace ksight::rules
