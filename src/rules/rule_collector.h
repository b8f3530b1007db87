#pragma once
// Merges the items of every rule file, in load order, into one definition
// per name. A later item with the same name either replaces the earlier one,
// changes it key by key (`override: {condition: append, output: replace}`,
// or the deprecated `append: true`), or, for a rule given only `enabled`,
// switches it on or off.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rules/rule_items.h"

namespace ksight::rules {

struct CollectedRule {
  std::string name;
  Text desc, output, priority;
  std::shared_ptr<SourceText> condition;
  std::vector<Text> tags;
  bool enabled = true;
  std::vector<ExceptionItem> exceptions;
  std::string source = "syscall";
  Mark mark;
};

struct CollectedMacro {
  std::string name;
  std::shared_ptr<SourceText> condition;
  Mark mark;
};

struct CollectedList {
  std::string name;
  std::vector<Text> items;
  Mark mark;
};

class RuleCollector {
 public:
  explicit RuleCollector(Diagnostics& diags) : diags_(diags) {}

  void add(const RuleFileItem& item);

  // Definitions in the order their names first appeared.
  const std::vector<CollectedRule>& rules() const { return rules_; }
  const std::vector<CollectedMacro>& macros() const { return macros_; }
  const std::vector<CollectedList>& lists() const { return lists_; }

 private:
  void add_rule(const RuleItem& item);
  void add_macro(const MacroItem& item);
  void add_list(const ListItem& item);
  void define_rule(const RuleItem& item, CollectedRule& rule);
  void override_rule(const RuleItem& item, CollectedRule& rule);

  template <typename T>
  T* find(std::vector<T>& defs, const std::string& name) {
    for (auto& d : defs) {
      if (d.name == name) return &d;
    }
    return nullptr;
  }

  Diagnostics& diags_;
  std::vector<CollectedRule> rules_;
  std::vector<CollectedMacro> macros_;
  std::vector<CollectedList> lists_;
};

// A condition text starting at `text`'s position.
std::shared_ptr<SourceText> source_of(const Text& text);

}  // namespace ksight::rules
