#pragma once
// Reads one rule file (YAML) into RuleFileItems, checking its shape: a list
// of maps, each with exactly one of `rule`, `macro`, `list` or
// `required_engine_version`; known keys with the right types. Problems are
// reported with the position of the offending node.
#include <memory>
#include <string>
#include <vector>

#include "rules/rule_items.h"

namespace ksight::rules {

// The version of the rules engine, checked against required_engine_version.
inline constexpr const char* kRulesEngineVersion = "1.0.0";

// Appends the items of `file` to `items`. Returns false on errors (items
// read before the error are kept, so later checks still run).
bool read_rule_file(const std::shared_ptr<const SourceFile>& file, std::vector<RuleFileItem>& items,
                    Diagnostics& diags);

}  // namespace ksight::rules
