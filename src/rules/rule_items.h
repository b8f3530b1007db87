#pragma once
// What the reader (rule_reader.h) takes out of a rule file: the items as the
// user wrote them, each scalar with its position. The collector
// (rule_collector.h) then merges overrides across files, and the compiler
// (rule_compiler.h) turns the result into a RuleSet.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rules/diagnostic.h"

namespace ksight::rules {

struct Mark {
  std::shared_ptr<const SourceFile> file;
  int line = 0;  // 1-based
  int column = 0;
  Location location() const;
};

struct Text {
  std::string value;
  Mark mark;
};

// How an item changes an earlier one with the same name: per key, append or
// replace (`override: {condition: append}`). The deprecated `append: true`
// is recorded as append for every appendable key present.
enum class OverrideMode { kAppend, kReplace };
using OverrideMap = std::map<std::string, OverrideMode, std::less<>>;

struct ExceptionItem {
  Text name;
  std::vector<Text> fields;
  bool single_field = false;  // `fields: proc.name` (values are then plain items)
  std::vector<Text> comps;
  // One tuple per entry; each cell holds one value, or several for list
  // comparisons (`in`, `pmatch`, `intersects`).
  std::vector<std::vector<std::vector<Text>>> values;
  Mark mark;
};

struct RuleItem {
  Text name;
  std::optional<Text> desc, condition, output, priority, source;
  std::optional<std::vector<Text>> tags;
  std::optional<bool> enabled;
  std::optional<std::vector<ExceptionItem>> exceptions;
  OverrideMap overrides;
  Mark mark;
};

struct MacroItem {
  Text name;
  std::optional<Text> condition;
  OverrideMap overrides;
  Mark mark;
};

struct ListItem {
  Text name;
  std::optional<std::vector<Text>> items;
  OverrideMap overrides;
  Mark mark;
};

using RuleFileItem = std::variant<RuleItem, MacroItem, ListItem>;

}  // namespace ksight::rules
