#include "rules/rule_compiler.h"

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

void RuleCompiler::compile_lists(const RuleCollector& collected) {
  for (const auto& l : collected.lists()) {
    std::vector<Value> items;
    for (const auto& t : l.items) items.push_back(value_of(t));
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

bool RuleCompiler::has_unknown_fields(const CollectedRule& rule, const Node& node) {
  bool unknown = false;
  if (node.kind == NodeKind::kCompare) {
    std::string error;
    if (!resolve_field(node.field, &error).info && error.starts_with("unknown field")) {
      diags_.warning(node.pos.locate(), error + ": rule '" + rule.name + "' skipped");
      unknown = true;
    }
  }
  for (const auto& child : node.children) unknown = has_unknown_fields(rule, *child) || unknown;
  return unknown;
}

std::optional<CompiledRule> RuleCompiler::compile_rule(const CollectedRule& rule) {
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
  bool skip = has_unknown_fields(rule, *root);
  auto output = OutputFormat::compile(rule.output, diags_, &skip);
  if (skip) {
    skipped_.push_back(rule.name);
    return std::nullopt;
  }
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
