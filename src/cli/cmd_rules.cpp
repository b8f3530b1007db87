// `ksight rules validate|fields|list`: check rule files, print the field
// table (or docs/fields.md with --markdown), list the loaded rules.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command_registry.h"
#include "rules/fields.h"
#include "rules/ruleset.h"

namespace {

using namespace ksight::rules;

struct RulesOptions {
  std::vector<std::string> files;
  bool with_default = false;
  bool markdown = false;
  bool strict = false;
};

// The embedded default ruleset first when asked (or when no file is given),
// then the files in order.
LoadResult load(const RulesOptions& opts) {
  std::vector<RuleSource> sources;
  if (opts.with_default || opts.files.empty()) {
    sources.push_back({kDefaultRulesName, std::string(default_rules_yaml())});
  }
  Diagnostics io_errors;
  for (auto& src : read_rule_sources(opts.files, io_errors)) sources.push_back(std::move(src));
  LoadResult result = load_rules(sources);
  if (io_errors.has_errors()) {
    io_errors.append(result.diagnostics);
    result.diagnostics = std::move(io_errors);
    result.rules = nullptr;
  }
  return result;
}

// "skipped: 3 needs fields ksight has no data for" and one line per rule.
void print_skipped(const RuleSet& rules) {
  using Why = SkippedRule::Why;
  for (Why why :
       {Why::kNoData, Why::kNoSyscall, Why::kUnknownField, Why::kSource, Why::kAlwaysFalse}) {
    size_t n = 0;
    for (const auto& s : rules.skipped_rules()) n += s.why == why;
    if (n == 0) continue;
    std::printf("skipped %zu: %s\n", n, std::string(skip_reason_name(why)).c_str());
    for (const auto& s : rules.skipped_rules()) {
      if (s.why != why) continue;
      std::printf("  %s (%s) at %s:%d:%d\n", s.name.c_str(), s.detail.c_str(), s.where.file.c_str(),
                  s.where.line, s.where.column);
    }
  }
}

// Exits 0 when the files load, even if some rules were skipped (each skip
// is a warning on stderr and a line of the summary); --strict fails then.
int run_validate(const RulesOptions& opts) {
  LoadResult result = load(opts);
  std::fputs(result.diagnostics.format().c_str(), stderr);
  size_t errors = result.diagnostics.error_count();
  size_t warnings = result.diagnostics.warning_count();
  if (!result.ok() || (opts.strict && warnings > 0)) {
    std::fprintf(stderr, "invalid: %zu error(s), %zu warning(s)%s\n", errors, warnings,
                 opts.strict && result.ok() ? " (--strict)" : "");
    return 1;
  }
  const RuleSet& rules = *result.rules;
  std::printf(
      "ok: %zu rules loaded (%zu enabled), %zu skipped, %zu macros, %zu lists, %zu warning(s)\n",
      rules.rules().size(), rules.enabled_count(), rules.skipped_rules().size(),
      rules.macro_names().size(), rules.list_names().size(), warnings);
  print_skipped(rules);
  return 0;
}

int run_fields(const RulesOptions& opts) {
  if (opts.markdown) {
    std::fputs(fields_markdown().c_str(), stdout);
    return 0;
  }
  for (const auto& family : field_families()) {
    for (const auto& field : family.fields) {
      std::string name(field.name);
      if (field.arg == FieldArgKind::kIndex) name += "[N]";
      if (field.arg == FieldArgKind::kIndexOrName) name += ".NAME|[N]";
      if (field.arg == FieldArgKind::kKey) name += "[KEY]";
      std::printf("%-24s %-7s %.*s\n", name.c_str(),
                  std::string(field_type_name(field.type)).c_str(),
                  static_cast<int>(field.description.size()), field.description.data());
    }
  }
  return 0;
}

int run_list(const RulesOptions& opts) {
  LoadResult result = load(opts);
  if (!result.ok()) {
    std::fputs(result.diagnostics.format().c_str(), stderr);
    return 1;
  }
  for (const auto& rule : result.rules->rules()) {
    std::string tags;
    for (const auto& t : rule.tags) tags += (tags.empty() ? "" : ",") + t;
    std::printf("%-45s %-13s %-8s %s\n", rule.name.c_str(),
                std::string(priority_name(rule.priority)).c_str(),
                rule.enabled ? "enabled" : "disabled", tags.c_str());
  }
  return 0;
}

std::function<int()> setup_rules(CLI::App& app) {
  auto opts = std::make_shared<RulesOptions>();
  auto* rules = app.add_subcommand("rules", "Validate rule files, list rules and fields");
  rules->require_subcommand(1);
  auto* validate = rules->add_subcommand(
      "validate", "Check rule files (loaded in order); errors as file:line:col with a caret");
  validate->add_option("files", opts->files, "Rule files")->required();
  validate->add_flag("--strict", opts->strict,
                     "Fail on warnings too (unknown fields skip a rule with a warning)");
  validate->add_flag("--with-default", opts->with_default,
                     "Load the embedded default ruleset first (to check an override file)");
  auto* fields = rules->add_subcommand("fields", "Print the fields conditions and outputs can use");
  fields->add_flag("--markdown", opts->markdown, "Print docs/fields.md");
  auto* list = rules->add_subcommand("list", "List rules (default: the embedded ruleset)");
  list->add_option("files", opts->files, "Rule files (default: embedded ruleset)");
  list->add_flag("--with-default", opts->with_default, "Load the embedded default ruleset first");
  return [=] {
    if (validate->parsed()) return run_validate(*opts);
    if (fields->parsed()) return run_fields(*opts);
    return run_list(*opts);
  };
}

}  // namespace

KSIGHT_REGISTER_COMMAND(500, setup_rules);
