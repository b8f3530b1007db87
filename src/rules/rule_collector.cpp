#include "rules/rule_collector.h"

#include <algorithm>

namespace ksight::rules {

std::shared_ptr<SourceText> source_of(const Text& text) {
  auto src = std::make_shared<SourceText>();
  src->append(text.value, text.mark.file, text.mark.line, text.mark.column);
  return src;
}

namespace {

std::shared_ptr<SourceText> appended(const std::shared_ptr<SourceText>& base, const Text& text) {
  auto src = std::make_shared<SourceText>(*base);
  src->append(text.value, text.mark.file, text.mark.line, text.mark.column);
  return src;
}

std::optional<OverrideMode> mode_of(const OverrideMap& overrides, const char* key) {
  auto it = overrides.find(key);
  if (it == overrides.end()) return std::nullopt;
  return it->second;
}

void merge_text(Text& target, const Text& addition, OverrideMode mode) {
  if (mode == OverrideMode::kReplace) {
    target = addition;
  } else {
    target.value += " " + addition.value;
  }
}

}  // namespace

void RuleCollector::add(const RuleFileItem& item) {
  if (auto* rule = std::get_if<RuleItem>(&item)) add_rule(*rule);
  if (auto* macro = std::get_if<MacroItem>(&item)) add_macro(*macro);
  if (auto* list = std::get_if<ListItem>(&item)) add_list(*list);
}

void RuleCollector::define_rule(const RuleItem& item, CollectedRule& rule) {
  bool ok = true;
  for (auto [present, key] :
       {std::pair{item.condition.has_value(), "condition"},
        std::pair{item.output.has_value(), "output"}, std::pair{item.desc.has_value(), "desc"},
        std::pair{item.priority.has_value(), "priority"}}) {
    if (!present) {
      diags_.error(item.mark.location(), "rule '" + item.name.value + "' has no '" + key + "'");
      ok = false;
    }
  }
  if (!ok) return;
  rule = CollectedRule{};
  rule.name = item.name.value;
  rule.desc = *item.desc;
  rule.output = *item.output;
  rule.priority = *item.priority;
  rule.condition = source_of(*item.condition);
  if (item.tags) rule.tags = *item.tags;
  rule.enabled = item.enabled.value_or(true);
  if (item.exceptions) rule.exceptions = *item.exceptions;
  if (item.source) rule.source = item.source->value;
  rule.mark = item.mark;
}

void RuleCollector::override_rule(const RuleItem& item, CollectedRule& rule) {
  const auto& ov = item.overrides;
  if (auto mode = mode_of(ov, "condition")) {
    rule.condition = *mode == OverrideMode::kAppend ? appended(rule.condition, *item.condition)
                                                    : source_of(*item.condition);
  }
  if (auto mode = mode_of(ov, "output")) merge_text(rule.output, *item.output, *mode);
  if (auto mode = mode_of(ov, "desc")) merge_text(rule.desc, *item.desc, *mode);
  if (auto mode = mode_of(ov, "priority")) rule.priority = *item.priority;
  if (auto mode = mode_of(ov, "tags")) {
    if (*mode == OverrideMode::kReplace) rule.tags.clear();
    rule.tags.insert(rule.tags.end(), item.tags->begin(), item.tags->end());
  }
  if (auto mode = mode_of(ov, "exceptions")) {
    if (*mode == OverrideMode::kReplace) rule.exceptions.clear();
    for (const auto& ex : *item.exceptions) {
      auto same =
          std::find_if(rule.exceptions.begin(), rule.exceptions.end(),
                       [&](const ExceptionItem& e) { return e.name.value == ex.name.value; });
      if (same != rule.exceptions.end() && *mode == OverrideMode::kAppend && ex.fields.empty()) {
        same->values.insert(same->values.end(), ex.values.begin(), ex.values.end());
      } else {
        rule.exceptions.push_back(ex);
      }
    }
  }
  if (item.enabled) rule.enabled = *item.enabled;
}

void RuleCollector::add_rule(const RuleItem& item) {
  CollectedRule* existing = find(rules_, item.name.value);
  if (!item.overrides.empty()) {
    if (!existing) {
      diags_.error(item.mark.location(),
                   "rule '" + item.name.value + "' overrides a rule that is not defined before it");
      return;
    }
    override_rule(item, *existing);
    return;
  }
  bool only_enabled = !item.condition && !item.output && !item.desc && !item.priority;
  if (only_enabled) {
    if (!existing) {
      diags_.error(item.mark.location(),
                   "rule '" + item.name.value + "' is not defined (only '" + "enabled' given)");
    } else if (item.enabled) {
      existing->enabled = *item.enabled;
    }
    return;
  }
  if (existing) {
    define_rule(item, *existing);
    return;
  }
  CollectedRule rule;
  define_rule(item, rule);
  if (!rule.name.empty()) rules_.push_back(std::move(rule));
}

void RuleCollector::add_macro(const MacroItem& item) {
  CollectedMacro* existing = find(macros_, item.name.value);
  if (!item.condition) {
    diags_.error(item.mark.location(), "macro '" + item.name.value + "' has no 'condition'");
    return;
  }
  auto mode = mode_of(item.overrides, "condition");
  if (mode && !existing) {
    diags_.error(item.mark.location(),
                 "macro '" + item.name.value + "' overrides a macro that is not defined before it");
    return;
  }
  if (mode == OverrideMode::kAppend) {
    existing->condition = appended(existing->condition, *item.condition);
  } else if (existing) {
    existing->condition = source_of(*item.condition);
  } else {
    macros_.push_back({item.name.value, source_of(*item.condition), item.mark});
  }
}

void RuleCollector::add_list(const ListItem& item) {
  CollectedList* existing = find(lists_, item.name.value);
  if (!item.items) {
    diags_.error(item.mark.location(), "list '" + item.name.value + "' has no 'items'");
    return;
  }
  auto mode = mode_of(item.overrides, "items");
  if (mode && !existing) {
    diags_.error(item.mark.location(),
                 "list '" + item.name.value + "' overrides a list that is not defined before it");
    return;
  }
  if (mode == OverrideMode::kAppend) {
    existing->items.insert(existing->items.end(), item.items->begin(), item.items->end());
  } else if (existing) {
    existing->items = *item.items;
  } else {
    lists_.push_back({item.name.value, *item.items, item.mark});
  }
}

}  // namespace ksight::rules
