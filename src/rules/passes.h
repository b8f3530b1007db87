#pragma once
// Passes over a parsed condition, run in this order by the rule compiler
// (rule_compiler.cpp):
//   1. expand_macros  - replace macro references by copies of the macro's
//                       AST (nodes keep the macro's own source positions)
//   2. expand_lists   - replace list names inside `in (...)` by the items
//   3. fold_unavailable - parts whose value is known at load time become
//                       constants: Falco fields ksight has no data for, Falco
//                       syscalls it does not capture, evt.dir
//   4. compile_check  - resolve fields, type the values (check.h)
//   5. event_types    - which event types can match (rule indexing)
//   6. lint           - warnings: always-true parts of a condition
#include <bitset>
#include <map>
#include <string>
#include <vector>

#include "rules/ast.h"
#include "rules/event.h"
#include "rules/fields.h"

namespace ksight::rules {

struct MacroDef {
  std::string name;
  NodePtr ast;  // parsed, macros inside not yet expanded
  Location where;
  bool used = false;
};

struct ListDef {
  std::string name;
  std::vector<Value> items;  // list names inside already expanded
  Location where;
  bool used = false;
};

using MacroTable = std::map<std::string, MacroDef, std::less<>>;
using ListTable = std::map<std::string, ListDef, std::less<>>;

// Limits that keep hostile rule files (macros or lists that double at each
// level) from exhausting memory.
inline constexpr size_t kMaxExpandedNodes = 100'000;  // per condition
inline constexpr size_t kMaxListItems = 100'000;      // per list

// Pass 1. Reports undefined macros, cycles and oversized expansions;
// returns false on error.
bool expand_macros(NodePtr& root, MacroTable& macros, Diagnostics& diags);

// Pass 2. `in (shell_binaries, zsh)` -> `in (bash, sh, ..., zsh)`. A named
// list (`in shell_binaries`) that is not defined is an error; a bare item
// that is not a list name stays a plain value.
bool expand_lists(Node& root, ListTable& lists, Diagnostics& diags);

// Expands list names inside list items (lists may reference earlier lists).
// Returns false (and stops) when the result would exceed kMaxListItems.
bool expand_list_items(std::vector<Value>& items, ListTable& lists);

// Why part of a condition is a constant.
struct FoldReason {
  std::string what;  // "container.privileged", or "evt.type = setns"
  SourcePos pos;
  bool field = false;  // an unavailable field (else a syscall ksight does not see)
};

struct FoldResult {
  // When the whole condition folded to false: the parts that made it so.
  std::vector<FoldReason> never_matches;
  // Every unavailable field folded away (in exclusions, alternatives...).
  std::vector<FoldReason> folded_fields;
};

// Pass 3. A comparison on a field ksight has no data for is false (Falco's
// result when a value is missing); `evt.type` naming only syscalls ksight
// does not capture is false (`!=`: true); `evt.dir` is true (`!=`: false).
// Constants then propagate through and/or/not; the root may end as kConst.
FoldResult fold_unavailable(NodePtr& root);

using EventTypeSet = std::bitset<kEventTypeCount>;
// Pass 5. Conservative: a set that may contain types the rule never matches,
// never one that misses a type it does.
EventTypeSet event_types(const Node& root);

// Pass 6. Warnings for parts of the condition that are always true.
void lint_condition(const Node& root, Diagnostics& diags);

}  // namespace ksight::rules
