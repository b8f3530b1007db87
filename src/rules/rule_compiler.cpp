#include "rules/rule_compiler.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "rules/parser.h"
#include "rules/rule_reader.h"

namespace ksight::rules {

namespace {

SourcePos pos_of(const Text& text) {
  return SourcePos{source_of(text), 0};
}

Value value_of(const Text& text) {
  return Value{text.value, pos_of(text), false};
}

NodePtr make_compare(const Text& field, CompareOp op, const std::vector<Text>& cell) {
  auto node = std::make_unique<Node>();
  node->kind = NodeKind::kCompare;
  node->pos = pos_of(field);
  node->op_pos = node->pos;
  node->field = field.value;
  node->op = op;
  node->list_rhs = is_list_op(op);
  for (const auto& v : cell) node->values.push_back(value_of(v));
  return node;
}

NodePtr any_of(std::vector<NodePtr> nodes, NodeKind kind, SourcePos pos) {
  if (nodes.size() == 1) return std::move(nodes[0]);
  return make_logical(kind, std::move(pos), std::move(nodes));
}

}  // namespace

void RuleCompiler::compile_macros(const RuleCollector& collected) {
  for (const auto& m : collected.macros()) {
    ParseResult parsed = parse_condition(m.condition, false);
    if (parsed.error) {
      diags_.items.push_back(*parsed.error);
      continue;
    }
    macros_[m.name] = MacroDef{m.name, std::move(parsed.root), m.mark.location(), false};
  }
}

namespace {

// Falco list items may carry their own quotes so the condition parser
// keeps them whole: `'"75-system-updat"'`, `'"10.0.0.0/8"'`. The quotes go;
// the item stays a value (never a list name).
Value list_item(const Text& text) {
  Value v = value_of(text);
  const std::string& t = text.value;
  if (t.size() >= 2 && (t[0] == '"' || t[0] == '\'') && t.back() == t[0]) {
    v.text.clear();
    for (size_t i = 1; i + 1 < t.size(); ++i) {
      if (t[i] == '\\' && i + 2 < t.size()) ++i;
      v.text += t[i];
    }
    v.quoted = true;
  }
  return v;
}

}  // namespace

void RuleCompiler::compile_lists(const RuleCollector& collected) {
  for (const auto& l : collected.lists()) {
    std::vector<Value> items;
    for (const auto& t : l.items) items.push_back(list_item(t));
    if (!expand_list_items(items, lists_)) {
      diags_.error(l.mark.location(), "list '" + l.name + "' too large (over " +
                                          std::to_string(kMaxListItems) + " items)");
    }
    lists_[l.name] = ListDef{l.name, std::move(items), l.mark.location(), false};
  }
}

// `fields: [a, b], comps: [=, in], values: [[x, [y, z]]]` becomes
// `not ((a = x and b in (y, z)) or ...)`.
NodePtr RuleCompiler::exception_clause(const ExceptionItem& ex) {
  if (ex.values.empty() || ex.fields.empty()) return nullptr;
  std::vector<CompareOp> ops;
  for (size_t i = 0; i < ex.fields.size(); ++i) {
    std::string comp = i < ex.comps.size() ? ex.comps[i].value : (ex.single_field ? "in" : "=");
    auto op = compare_op_from_name(comp);
    if (!op || *op == CompareOp::kExists) {
      Mark m = i < ex.comps.size() ? ex.comps[i].mark : ex.mark;
      diags_.error(m.location(),
                   "exception '" + ex.name.value + "': unknown comparison '" + comp + "'");
      return nullptr;
    }
    ops.push_back(*op);
  }
  std::vector<NodePtr> rows;
  if (ex.single_field) {
    std::vector<Text> all;
    for (const auto& row : ex.values) {
      for (const auto& cell : row) all.insert(all.end(), cell.begin(), cell.end());
    }
    if (!is_list_op(ops[0])) {
      for (const auto& v : all) rows.push_back(make_compare(ex.fields[0], ops[0], {v}));
    } else {
      rows.push_back(make_compare(ex.fields[0], ops[0], all));
    }
    return make_not(pos_of(ex.name), any_of(std::move(rows), NodeKind::kOr, pos_of(ex.name)));
  }
  for (const auto& row : ex.values) {
    if (row.size() != ex.fields.size()) {
      Mark m = row.empty() || row[0].empty() ? ex.mark : row[0][0].mark;
      diags_.error(m.location(), "exception '" + ex.name.value +
                                     "': " + std::to_string(row.size()) + " values for " +
                                     std::to_string(ex.fields.size()) + " fields");
      return nullptr;
    }
    std::vector<NodePtr> terms;
    for (size_t i = 0; i < row.size(); ++i) {
      if (!is_list_op(ops[i]) && row[i].size() != 1) {
        diags_.error(
            row[i].empty() ? ex.mark.location() : row[i][0].mark.location(),
            "exception '" + ex.name.value + "': a list needs comps in, pmatch or intersects");
        return nullptr;
      }
      terms.push_back(make_compare(ex.fields[i], ops[i], row[i]));
    }
    rows.push_back(any_of(std::move(terms), NodeKind::kAnd, pos_of(ex.name)));
  }
  return make_not(pos_of(ex.name), any_of(std::move(rows), NodeKind::kOr, pos_of(ex.name)));
}

bool RuleCompiler::add_exceptions(const CollectedRule& rule, NodePtr& root) {
  size_t errors = diags_.error_count();
  std::vector<NodePtr> terms;
  for (const auto& ex : rule.exceptions) {
    if (NodePtr clause = exception_clause(ex)) terms.push_back(std::move(clause));
  }
  if (!terms.empty()) {
    SourcePos pos = root->pos;
    terms.insert(terms.begin(), std::move(root));
    root = make_logical(NodeKind::kAnd, pos, std::move(terms));
  }
  return diags_.error_count() == errors;
}

std::optional<RateSpec> RuleCompiler::compile_rate(const RateClause& clause) {
  RateSpec spec;
  spec.op = clause.op;
  spec.threshold = clause.threshold;
  spec.window_ns = clause.window_ns;
  for (size_t i = 0; i < clause.by_fields.size(); ++i) {
    std::string error;
    ResolvedField field = resolve_field(clause.by_fields[i], &error);
    if (!field.info) {
      diags_.error(clause.by_positions[i].locate(), "rate clause: " + error);
      return std::nullopt;
    }
    spec.by.push_back(std::move(field));
    spec.by_names.push_back(clause.by_fields[i]);
  }
  return spec;
}

void RuleCompiler::skip(const CollectedRule& rule, SkippedRule::Why why, std::string detail,
                        const Location& where, const std::string& message) {
  diags_.warning(where, message);
  skipped_.push_back({rule.name, why, std::move(detail), where});
}

namespace {

void unknown_fields(const Node& node, std::vector<const Node*>& out) {
  std::string error;
  if (node.kind == NodeKind::kCompare && !resolve_field(node.field, &error).info &&
      error.starts_with("unknown field")) {
    out.push_back(&node);
  }
  for (const auto& child : node.children) unknown_fields(*child, out);
}

// "a, b, c and 2 more".
std::string name_list(const std::vector<std::string>& names, size_t show = 3) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < show; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > show) out += " and " + std::to_string(names.size() - show) + " more";
  return out;
}

std::vector<std::string> unique_what(const std::vector<FoldReason>& reasons, bool fields) {
  std::vector<std::string> out;
  for (const auto& r : reasons) {
    if (r.field == fields && std::find(out.begin(), out.end(), r.what) == out.end()) {
      out.push_back(r.what);
    }
  }
  return out;
}

}  // namespace

// One warning per rule, at the first unknown field.
bool RuleCompiler::skip_unknown_fields(const CollectedRule& rule, const Node& root) {
  std::vector<const Node*> found;
  unknown_fields(root, found);
  if (found.empty()) return false;
  std::vector<std::string> names;
  for (const Node* n : found) {
    if (std::find(names.begin(), names.end(), n->field) == names.end()) names.push_back(n->field);
  }
  std::string message = "unknown field '" + names[0] + "'";
  if (names.size() > 1) {
    names.erase(names.begin());
    message += " (also " + name_list(names) + ")";
  }
  skip(rule, SkippedRule::Why::kUnknownField, found[0]->field, found[0]->pos.locate(),
       message + ": rule '" + rule.name + "' skipped");
  return true;
}

// Folds what is known at load time; a rule that can then never match is
// skipped, one that lost only exclusions or alternatives gets a note.
bool RuleCompiler::skip_unmatchable(const CollectedRule& rule, NodePtr& root) {
  FoldResult fold = fold_unavailable(root);
  if (root->kind == NodeKind::kConst && !root->const_value) {
    auto fields = unique_what(fold.never_matches, true);
    auto syscalls = unique_what(fold.never_matches, false);
    Location where =
        fold.never_matches.empty() ? rule.mark.location() : fold.never_matches[0].pos.locate();
    if (!fields.empty()) {
      skip(rule, SkippedRule::Why::kNoData, name_list(fields), where,
           "rule '" + rule.name + "' skipped: it cannot match without " + name_list(fields) +
               " (Falco fields ksight has no data for)");
    } else if (syscalls.empty()) {
      skip(rule, SkippedRule::Why::kAlwaysFalse, "condition", where,
           "rule '" + rule.name + "' skipped: its condition is always false");
    } else {
      skip(rule, SkippedRule::Why::kNoSyscall, name_list(syscalls), where,
           "rule '" + rule.name + "' skipped: it only matches syscalls ksight does not capture (" +
               name_list(syscalls) + ")");
    }
    return true;
  }
  if (root->kind == NodeKind::kConst) {
    diags_.warning(rule.mark.location(), "rule '" + rule.name + "' is always true");
  }
  auto dropped = unique_what(fold.folded_fields, true);
  if (!dropped.empty()) {
    diags_.note(fold.folded_fields[0].pos.locate(),
                "rule '" + rule.name + "': comparisons on " + name_list(dropped) +
                    " are always false here (no data in ksight); the rule runs without them");
  }
  return false;
}

std::string_view skip_reason_name(SkippedRule::Why why) {
  switch (why) {
    case SkippedRule::Why::kUnknownField:
      return "unknown field";
    case SkippedRule::Why::kNoData:
      return "needs fields ksight has no data for";
    case SkippedRule::Why::kNoSyscall:
      return "only syscalls ksight does not capture";
    case SkippedRule::Why::kSource:
      return "plugin source";
    case SkippedRule::Why::kAlwaysFalse:
      return "condition always false";
  }
  return "?";
}

std::optional<CompiledRule> RuleCompiler::compile_rule(const CollectedRule& rule) {
  if (rule.source != "syscall") {
    skip(rule, SkippedRule::Why::kSource, rule.source, rule.mark.location(),
         "rule '" + rule.name + "' skipped: source '" + rule.source +
             "' (ksight evaluates syscall rules only)");
    return std::nullopt;
  }
  ParseResult parsed = parse_condition(rule.condition, true);
  if (parsed.error) {
    diags_.items.push_back(*parsed.error);
    return std::nullopt;
  }
  NodePtr root = std::move(parsed.root);
  if (!add_exceptions(rule, root)) return std::nullopt;
  if (!expand_macros(root, macros_, diags_) || !expand_lists(*root, lists_, diags_)) {
    return std::nullopt;
  }
  if (skip_unknown_fields(rule, *root)) return std::nullopt;
  bool unknown_output = false;
  auto output = OutputFormat::compile(rule.output, diags_, &unknown_output);
  if (unknown_output) {
    Diagnostic& last = diags_.items.back();
    last.message += ": rule '" + rule.name + "' skipped";
    skipped_.push_back({rule.name, SkippedRule::Why::kUnknownField, "output field", last.where});
    return std::nullopt;
  }
  if (skip_unmatchable(rule, root)) return std::nullopt;
  CompiledRule out;
  out.check = compile_check(*root, diags_);
  auto priority = priority_from_name(rule.priority.value);
  if (!priority) {
    diags_.error(rule.priority.mark.location(),
                 "unknown priority '" + rule.priority.value +
                     "' (EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, "
                     "NOTICE, INFORMATIONAL, DEBUG)");
  }
  if (parsed.rate) out.rate = compile_rate(*parsed.rate);
  if (!out.check || !priority || !output || (parsed.rate && !out.rate)) return std::nullopt;
  out.event_types = event_types(*root);
  if (out.event_types.all()) {
    diags_.warning(rule.mark.location(), "rule '" + rule.name +
                                             "' does not restrict evt.type: it is evaluated for "
                                             "every event");
  }
  lint_condition(*root, diags_);
  out.name = rule.name;
  out.desc = rule.desc.value;
  while (!out.desc.empty() && std::isspace(static_cast<unsigned char>(out.desc.back()))) {
    out.desc.pop_back();
  }
  out.priority = *priority;
  for (const auto& t : rule.tags) out.tags.push_back(t.value);
  out.enabled = rule.enabled;
  out.source = rule.source;
  out.condition = rule.condition->text();
  out.output = std::move(*output);
  out.where = rule.mark.location();
  return out;
}

void RuleCompiler::warn_unused() {
  for (const auto& [name, m] : macros_) {
    if (!m.used) diags_.warning(m.where, "macro '" + name + "' is never used");
  }
  for (const auto& [name, l] : lists_) {
    if (!l.used) diags_.warning(l.where, "list '" + name + "' is never used");
  }
}

std::shared_ptr<RuleSet> RuleCompiler::compile(const RuleCollector& collected) {
  size_t errors = diags_.error_count();
  compile_macros(collected);
  compile_lists(collected);
  auto set = std::make_shared<RuleSet>();
  for (const auto& rule : collected.rules()) {
    auto compiled = compile_rule(rule);
    if (!compiled) continue;
    auto index = static_cast<uint32_t>(set->rules_.size());
    if (compiled->enabled) {
      for (size_t t = 0; t < kEventTypeCount; ++t) {
        if (compiled->event_types.test(t)) set->by_type_[t].push_back(index);
      }
    }
    set->rules_.push_back(std::move(*compiled));
  }
  warn_unused();
  for (const auto& m : collected.macros()) set->macro_names_.push_back(m.name);
  for (const auto& l : collected.lists()) set->list_names_.push_back(l.name);
  set->skipped_ = skipped_;
  if (diags_.error_count() != errors) return nullptr;
  return set;
}

size_t RuleSet::enabled_count() const {
  size_t n = 0;
  for (const auto& r : rules_) n += r.enabled;
  return n;
}

namespace {

// The same problem inside a macro shows up once per rule using it.
void dedupe(Diagnostics& diags) {
  std::set<std::string> seen;
  std::vector<Diagnostic> kept;
  for (auto& d : diags.items) {
    if (seen.insert(d.format()).second) kept.push_back(std::move(d));
  }
  diags.items = std::move(kept);
}

}  // namespace

LoadResult load_rules(const std::vector<RuleSource>& sources) {
  LoadResult result;
  std::vector<RuleFileItem> items;
  bool read_ok = true;
  for (const auto& src : sources) {
    auto file = std::make_shared<SourceFile>(SourceFile{src.path, src.content});
    read_ok = read_rule_file(file, items, result.diagnostics) && read_ok;
  }
  RuleCollector collector(result.diagnostics);
  for (const auto& item : items) collector.add(item);
  auto set = RuleCompiler(result.diagnostics).compile(collector);
  dedupe(result.diagnostics);
  if (set && read_ok && !result.diagnostics.has_errors()) result.rules = std::move(set);
  return result;
}

std::vector<RuleSource> read_rule_sources(const std::vector<std::string>& paths,
                                          Diagnostics& diags) {
  std::vector<RuleSource> sources;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      diags.error(Location{path, 0, 0, ""}, "cannot read rules file");
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    sources.push_back({path, text.str()});
  }
  return sources;
}

LoadResult load_rule_files(const std::vector<std::string>& paths) {
  Diagnostics io_errors;
  std::vector<RuleSource> sources = read_rule_sources(paths, io_errors);
  LoadResult result = load_rules(sources);
  if (io_errors.has_errors()) {
    io_errors.append(result.diagnostics);
    result.diagnostics = std::move(io_errors);
    result.rules = nullptr;
  }
  return result;
}

CheckPtr compile_condition(std::string_view condition, Diagnostics& diags) {
  auto src = SourceText::inline_text(std::string(condition));
  ParseResult parsed = parse_condition(src, false);
  if (parsed.error) {
    diags.items.push_back(*parsed.error);
    return nullptr;
  }
  MacroTable no_macros;
  ListTable no_lists;
  if (!expand_macros(parsed.root, no_macros, diags) ||
      !expand_lists(*parsed.root, no_lists, diags)) {
    return nullptr;
  }
  return compile_check(*parsed.root, diags);
}

}  // namespace ksight::rules
