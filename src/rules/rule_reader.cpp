#include "rules/rule_reader.h"

#include <yaml-cpp/yaml.h>

#include <set>

namespace ksight::rules {

Location Mark::location() const {
  Location loc;
  if (!file) return loc;
  loc.file = file->path;
  loc.line = line;
  loc.column = column;
  loc.source_line = std::string(file->line_text(line));
  return loc;
}

namespace {

class Reader {
 public:
  Reader(const std::shared_ptr<const SourceFile>& file, Diagnostics& diags)
      : file_(file), diags_(diags) {}

  void read(const YAML::Node& root, std::vector<RuleFileItem>& items);

 private:
  Mark mark(const YAML::Node& node) const {
    return Mark{file_, node.Mark().line + 1, node.Mark().column + 1};
  }
  void error(const YAML::Node& node, const std::string& message) {
    diags_.error(mark(node).location(), message);
  }
  void warning(const YAML::Node& node, const std::string& message) {
    diags_.warning(mark(node).location(), message);
  }

  std::optional<Text> scalar(const YAML::Node& map, const char* key);
  std::optional<std::vector<Text>> text_list(const YAML::Node& node, const char* what);
  std::optional<bool> boolean(const YAML::Node& map, const char* key);
  OverrideMap overrides(const YAML::Node& item, const std::set<std::string>& appendable);
  void check_keys(const YAML::Node& item, const std::set<std::string>& known, const char* kind);
  std::optional<ExceptionItem> exception(const YAML::Node& node);
  std::optional<std::vector<std::vector<Text>>> exception_row(const YAML::Node& tuple,
                                                              bool single_field);

  void read_rule(const YAML::Node& item, std::vector<RuleFileItem>& items);
  void read_macro(const YAML::Node& item, std::vector<RuleFileItem>& items);
  void read_list(const YAML::Node& item, std::vector<RuleFileItem>& items);
  void check_engine_version(const YAML::Node& value);

  std::shared_ptr<const SourceFile> file_;
  Diagnostics& diags_;
};

std::optional<Text> Reader::scalar(const YAML::Node& map, const char* key) {
  YAML::Node node = map[key];
  if (!node) return std::nullopt;
  if (!node.IsScalar()) {
    error(node, std::string("'") + key + "' must be a string");
    return std::nullopt;
  }
  return Text{node.Scalar(), mark(node)};
}

std::optional<std::vector<Text>> Reader::text_list(const YAML::Node& node, const char* what) {
  if (!node.IsSequence()) {
    error(node, std::string("'") + what + "' must be a list");
    return std::nullopt;
  }
  std::vector<Text> out;
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      error(item, std::string("items of '") + what + "' must be strings");
      return std::nullopt;
    }
    out.push_back(Text{item.Scalar(), mark(item)});
  }
  return out;
}

std::optional<bool> Reader::boolean(const YAML::Node& map, const char* key) {
  YAML::Node node = map[key];
  if (!node) return std::nullopt;
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    error(node, std::string("'") + key + "' must be true or false");
    return std::nullopt;
  }
  return value;
}

OverrideMap Reader::overrides(const YAML::Node& item, const std::set<std::string>& appendable) {
  OverrideMap out;
  if (auto append = boolean(item, "append"); append && *append) {
    for (const auto& key : appendable) {
      if (item[key]) out[key] = OverrideMode::kAppend;
    }
  }
  YAML::Node node = item["override"];
  if (!node) return out;
  if (!node.IsMap()) {
    error(node, "'override' must be a map of key: append|replace");
    return out;
  }
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    std::string mode = kv.second.IsScalar() ? kv.second.Scalar() : "";
    if (mode != "append" && mode != "replace") {
      error(kv.second, "override mode for '" + key + "' must be append or replace");
    } else if (mode == "append" && !appendable.contains(key)) {
      error(kv.first, "'" + key + "' cannot be appended to (use replace)");
    } else if (!item[key]) {
      error(kv.first, "override of '" + key + "' but the item has no '" + key + "' key");
    } else {
      out[key] = mode == "append" ? OverrideMode::kAppend : OverrideMode::kReplace;
    }
  }
  return out;
}

void Reader::check_keys(const YAML::Node& item, const std::set<std::string>& known,
                        const char* kind) {
  for (const auto& kv : item) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!known.contains(key))
      warning(kv.first, "unknown key '" + key + "' in " + kind + " (ignored)");
  }
}

// One entry of an exception's values: a tuple with a cell per field, a cell
// being a scalar or a list. With a single scalar `fields`, every entry is
// one value of that field.
std::optional<std::vector<std::vector<Text>>> Reader::exception_row(const YAML::Node& tuple,
                                                                    bool single_field) {
  std::vector<std::vector<Text>> row;
  if (tuple.IsScalar()) {
    row.push_back({Text{tuple.Scalar(), mark(tuple)}});
    return row;
  }
  if (!tuple.IsSequence()) {
    error(tuple, "exception values must be lists");
    return std::nullopt;
  }
  if (single_field) {
    auto cell = text_list(tuple, "values");
    if (!cell) return std::nullopt;
    row.push_back(*cell);
    return row;
  }
  for (const auto& cell : tuple) {
    if (cell.IsScalar()) {
      row.push_back({Text{cell.Scalar(), mark(cell)}});
      continue;
    }
    auto list = text_list(cell, "values");
    if (!list) return std::nullopt;
    row.push_back(*list);
  }
  return row;
}

std::optional<ExceptionItem> Reader::exception(const YAML::Node& node) {
  if (!node.IsMap()) {
    error(node, "an exception must be a map with name, fields, comps, values");
    return std::nullopt;
  }
  check_keys(node, {"name", "fields", "comps", "values"}, "exception");
  ExceptionItem ex;
  ex.mark = mark(node);
  auto name = scalar(node, "name");
  if (!name) {
    error(node, "exception without a 'name'");
    return std::nullopt;
  }
  ex.name = *name;
  if (YAML::Node fields = node["fields"]; fields && fields.IsScalar()) {
    ex.single_field = true;
    ex.fields.push_back(Text{fields.Scalar(), mark(fields)});
    if (auto comp = scalar(node, "comps")) ex.comps.push_back(*comp);
  } else if (fields) {
    auto list = text_list(fields, "fields");
    if (!list) return std::nullopt;
    ex.fields = *list;
    if (YAML::Node comps = node["comps"]) {
      auto c = text_list(comps, "comps");
      if (!c) return std::nullopt;
      ex.comps = *c;
    }
  }
  if (YAML::Node values = node["values"]) {
    if (!values.IsSequence()) {
      error(values, "'values' must be a list");
      return std::nullopt;
    }
    for (const auto& tuple : values) {
      auto row = exception_row(tuple, ex.single_field);
      if (!row) return std::nullopt;
      ex.values.push_back(std::move(*row));
    }
  }
  return ex;
}

void Reader::read_rule(const YAML::Node& item, std::vector<RuleFileItem>& items) {
  check_keys(item,
             {"rule", "desc", "condition", "output", "priority", "tags", "enabled", "exceptions",
              "override", "append", "source", "warn_evttypes", "skip-if-unknown-filter", "capture",
              "capture_duration"},
             "rule");
  RuleItem rule;
  rule.mark = mark(item);
  rule.name = *scalar(item, "rule");
  rule.desc = scalar(item, "desc");
  rule.condition = scalar(item, "condition");
  rule.output = scalar(item, "output");
  rule.priority = scalar(item, "priority");
  rule.source = scalar(item, "source");
  if (YAML::Node tags = item["tags"]) rule.tags = text_list(tags, "tags");
  rule.enabled = boolean(item, "enabled");
  if (YAML::Node ex = item["exceptions"]) {
    if (!ex.IsSequence()) {
      error(ex, "'exceptions' must be a list");
    } else {
      rule.exceptions.emplace();
      for (const auto& e : ex) {
        if (auto parsed = exception(e)) rule.exceptions->push_back(std::move(*parsed));
      }
    }
  }
  rule.overrides = overrides(item, {"condition", "output", "desc", "tags", "exceptions"});
  items.emplace_back(std::move(rule));
}

void Reader::read_macro(const YAML::Node& item, std::vector<RuleFileItem>& items) {
  check_keys(item, {"macro", "condition", "override", "append"}, "macro");
  MacroItem macro;
  macro.mark = mark(item);
  macro.name = *scalar(item, "macro");
  macro.condition = scalar(item, "condition");
  macro.overrides = overrides(item, {"condition"});
  items.emplace_back(std::move(macro));
}

void Reader::read_list(const YAML::Node& item, std::vector<RuleFileItem>& items) {
  check_keys(item, {"list", "items", "override", "append"}, "list");
  ListItem list;
  list.mark = mark(item);
  list.name = *scalar(item, "list");
  if (YAML::Node values = item["items"]) list.items = text_list(values, "items");
  list.overrides = overrides(item, {"items"});
  items.emplace_back(std::move(list));
}

// "0.26.0" or Falco's older plain integer N (meaning 0.N.0).
std::vector<int> version_parts(const std::string& text) {
  std::vector<int> parts;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t dot = text.find('.', pos);
    std::string part = text.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) return {};
    parts.push_back(std::stoi(part));
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (parts.size() == 1) parts = {0, parts[0], 0};
  parts.resize(3, 0);
  return parts;
}

void Reader::check_engine_version(const YAML::Node& value) {
  std::string text = value.IsScalar() ? value.Scalar() : "";
  auto required = version_parts(text);
  if (required.empty()) {
    error(value, "required_engine_version must be a version such as 0.26.0");
  } else if (required > version_parts(kRulesEngineVersion)) {
    error(value, "rules require engine version " + text + " but this is " + kRulesEngineVersion);
  }
}

void Reader::read(const YAML::Node& root, std::vector<RuleFileItem>& items) {
  if (root.IsNull()) return;
  if (!root.IsSequence()) {
    error(root, "a rules file must be a YAML list of rule, macro and list items");
    return;
  }
  for (const auto& item : root) {
    if (!item.IsMap()) {
      error(item, "each item must be a map (rule, macro, list or required_engine_version)");
      continue;
    }
    if (item["rule"] && item["rule"].IsScalar()) {
      read_rule(item, items);
    } else if (item["macro"] && item["macro"].IsScalar()) {
      read_macro(item, items);
    } else if (item["list"] && item["list"].IsScalar()) {
      read_list(item, items);
    } else if (item["required_engine_version"]) {
      check_engine_version(item["required_engine_version"]);
    } else if (item["required_plugin_versions"]) {
      // Falco's plugin requirements: ksight has no plugins; rules of plugin
      // sources are skipped one by one (rule_compiler.h).
    } else {
      error(item, "unknown item: expected a 'rule', 'macro' or 'list' key with a name");
    }
  }
}

}  // namespace

bool read_rule_file(const std::shared_ptr<const SourceFile>& file, std::vector<RuleFileItem>& items,
                    Diagnostics& diags) {
  size_t errors_before = diags.error_count();
  YAML::Node root;
  try {
    root = YAML::Load(file->content);
  } catch (const YAML::Exception& e) {
    Mark m{file, e.mark.line + 1, e.mark.column + 1};
    diags.error(m.location(), "YAML: " + e.msg);
    return false;
  }
  try {
    Reader(file, diags).read(root, items);
  } catch (const YAML::Exception& e) {
    Mark m{file, e.mark.line + 1, e.mark.column + 1};
    diags.error(m.location(), "YAML: " + e.msg);
  }
  return diags.error_count() == errors_before;
}

}  // namespace ksight::rules
