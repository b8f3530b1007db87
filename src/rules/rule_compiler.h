#pragma once
// Compiles collected definitions into a RuleSet: parses macros and rule
// conditions, turns exceptions into `and not (...)` clauses, runs the passes
// (passes.h) and compiles outputs and rate clauses.
//
// A rule that names a field this engine does not know is skipped with a
// warning (not an error), like Falco's skip-if-unknown-filter: rule files
// written for Falco's wider field set still load every rule ksight can
// evaluate. `ksight rules validate --strict` turns those warnings into failures.
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
  bool has_unknown_fields(const CollectedRule& rule, const Node& node);
  void warn_unused();

  Diagnostics& diags_;
  MacroTable macros_;
  ListTable lists_;
  std::vector<std::string> skipped_;
};

}  // namespace ksight::rules
