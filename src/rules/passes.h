#pragma once
// Passes over a parsed condition, run in this order by the rule compiler
// (rule_compiler.cpp):
//   1. expand_macros  - replace macro references by copies of the macro's
//                       AST (nodes keep the macro's own source positions)
//   2. expand_lists   - replace list names inside `in (...)` by the items
//   3. compile_check  - resolve fields, type the values (check.h)
//   4. event_types    - which event types can match (rule indexing)
//   5. lint           - warnings: always-true parts of a condition
#include <bitset>
#include <map>
#include <string>
#include <vector>

#include "rules/ast.h"
#include "rules/event.h"

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

using EventTypeSet = std::bitset<kEventTypeCount>;
// Pass 4. Conservative: a set that may contain types the rule never matches,
// never one that misses a type it does.
EventTypeSet event_types(const Node& root);

// Pass 5. Warnings for parts of the condition that are always true.
void lint_condition(const Node& root, Diagnostics& diags);

}  // namespace ksight::rules
