#pragma once
// The compiled form of a condition: a tree of Check objects built once per
// rule. Field names are resolved to FieldInfo pointers and right-hand sides
// are parsed to their final form (numbers, sorted sets, lowercased needles)
// at compile time, so evaluation does no name lookup and, once the
// EvalContext is warm, no allocation.
#include <memory>
#include <string>
#include <vector>

#include "rules/ast.h"
#include "rules/fields.h"

namespace ksight::rules {

class Check {
 public:
  virtual ~Check() = default;
  virtual bool eval(EvalContext& ctx) const = 0;
};
using CheckPtr = std::unique_ptr<Check>;

// Compiles an expanded AST (no macro references or list names left). Type
// errors (a number expected, an operator the field type does not support)
// land in `diags` with the value's position; returns null then.
CheckPtr compile_check(const Node& node, Diagnostics& diags);

// Shell-style glob: * ? and [...] classes (with ! or ^ to negate). With
// `icase`, `pattern` must be lowercase and text is compared lowercased.
bool glob_match(std::string_view pattern, std::string_view text, bool icase = false);

}  // namespace ksight::rules
