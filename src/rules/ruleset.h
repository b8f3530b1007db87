#pragma once
// Loading rules: read every file (rule_reader.h), collect definitions across
// files (rule_collector.h), compile them (rule_compiler.cpp) into a RuleSet:
// immutable, shareable between threads, indexed by event type.
//
//   auto result = ksight::rules::load_rule_files({"rules/ksight_rules.yaml", "local.yaml"});
//   if (!result.ok()) std::cerr << result.diagnostics.format();
//   Engine engine(result.rules);
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rules/check.h"
#include "rules/output_format.h"
#include "rules/passes.h"
#include "rules/priority.h"

namespace ksight::rules {

// `| count by (fields) > N within W` of a rate rule, resolved.
struct RateSpec {
  std::vector<ResolvedField> by;
  std::vector<std::string> by_names;
  CompareOp op = CompareOp::kGt;
  uint64_t threshold = 0;
  uint64_t window_ns = 0;
};

struct CompiledRule {
  std::string name;
  std::string desc;
  Priority priority = Priority::kWarning;
  std::vector<std::string> tags;
  bool enabled = true;
  std::string source = "syscall";
  std::string condition;  // as written (after overrides), for listings
  CheckPtr check;
  std::optional<RateSpec> rate;
  OutputFormat output;
  EventTypeSet event_types;
  Location where;
};

// A rule left out of the set, and why. Like Falco's skip-if-unknown-filter,
// a rule ksight cannot evaluate does not fail its file.
struct SkippedRule {
  enum class Why {
    kUnknownField,  // a field no table knows (a typo, or a Falco field not listed)
    kNoData,        // cannot match without fields ksight has no data for
    kNoSyscall,     // only matches syscalls ksight does not capture
    kSource,        // a plugin source (k8s_audit, aws_cloudtrail, ...)
    kAlwaysFalse,   // the condition is false whatever the event (`evt.dir != <`)
  };
  std::string name;
  Why why = Why::kUnknownField;
  std::string detail;  // the field(s), syscall(s) or source
  Location where;
};
std::string_view skip_reason_name(SkippedRule::Why why);

class RuleSet {
 public:
  const std::vector<CompiledRule>& rules() const { return rules_; }
  // Enabled rules that may match `type`, in definition order.
  std::span<const uint32_t> rules_for(EventType type) const {
    return by_type_[static_cast<size_t>(type)];
  }
  const std::vector<std::string>& macro_names() const { return macro_names_; }
  const std::vector<std::string>& list_names() const { return list_names_; }
  // Rules left out because this engine cannot evaluate them.
  const std::vector<SkippedRule>& skipped_rules() const { return skipped_; }
  size_t enabled_count() const;

 private:
  friend class RuleCompiler;
  std::vector<CompiledRule> rules_;
  std::vector<std::vector<uint32_t>> by_type_ = std::vector<std::vector<uint32_t>>(kEventTypeCount);
  std::vector<std::string> macro_names_, list_names_;
  std::vector<SkippedRule> skipped_;
};

struct LoadResult {
  std::shared_ptr<const RuleSet> rules;  // null when there were errors
  Diagnostics diagnostics;
  bool ok() const { return rules != nullptr; }
};

struct RuleSource {
  std::string path;  // shown in diagnostics
  std::string content;
};

// Files load in order; later files extend or override earlier ones.
LoadResult load_rules(const std::vector<RuleSource>& sources);
// Same, reading the files (an unreadable file is an error diagnostic).
LoadResult load_rule_files(const std::vector<std::string>& paths);
// Reads files into sources; unreadable ones become errors in `diags`.
std::vector<RuleSource> read_rule_sources(const std::vector<std::string>& paths,
                                          Diagnostics& diags);

// The default ruleset (rules/ksight_rules.yaml), embedded at build time.
std::string_view default_rules_yaml();
inline constexpr const char* kDefaultRulesName = "<embedded>/ksight_rules.yaml";

// A single condition without macros or lists (tests, tools). Null on errors.
CheckPtr compile_condition(std::string_view condition, Diagnostics& diags);

}  // namespace ksight::rules
