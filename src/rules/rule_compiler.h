#pragma once
// Compiles collected definitions into a RuleSet: parses macros and rule
// conditions, turns exceptions into `and not (...)` clauses, runs the passes
// (passes.h) and compiles outputs and rate clauses.
//
// A rule ksight cannot evaluate is skipped with one warning (not an error),
// like Falco's skip-if-unknown-filter, so rule files written for Falco load
// every rule ksight can run: a rule naming a field no table knows, a rule
// that cannot match without Falco fields ksight has no data for or only on
// syscalls it does not capture (fold_unavailable in passes.h), a rule of a
// plugin source. `ksight rules validate --strict` turns warnings into failures.
#include <memory>

#include "rules/rule_collector.h"
#include "rules/ruleset.h"

namespace ksight::rules {

class RuleCompiler {
 public:
  explicit RuleCompiler(Diagnostics& diags) : diags_(diags) {}
  // Null when any error was reported.
  std::shared_ptr<RuleSet> compile(const RuleCollector& collected);

 private:
  void compile_macros(const RuleCollector& collected);
  void compile_lists(const RuleCollector& collected);
  std::optional<CompiledRule> compile_rule(const CollectedRule& rule);
  bool add_exceptions(const CollectedRule& rule, NodePtr& root);
  NodePtr exception_clause(const ExceptionItem& ex);
  std::optional<RateSpec> compile_rate(const RateClause& clause);
  bool skip_unknown_fields(const CollectedRule& rule, const Node& root);
  bool skip_unmatchable(const CollectedRule& rule, NodePtr& root);
  void skip(const CollectedRule& rule, SkippedRule::Why why, std::string detail,
            const Location& where, const std::string& message);
  void warn_unused();

  Diagnostics& diags_;
  MacroTable macros_;
  ListTable lists_;
  std::vector<SkippedRule> skipped_;
};

}  // namespace ksight::rules
