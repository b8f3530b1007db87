#include "rules/check.h"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <charconv>

#include "rules/check_special.h"

namespace ksight::rules {

namespace {

class AndCheck : public Check {
 public:
  explicit AndCheck(std::vector<CheckPtr> children) : children_(std::move(children)) {}
  bool eval(EvalContext& ctx) const override {
    for (const auto& c : children_) {
      if (!c->eval(ctx)) return false;
    }
    return true;
  }

 private:
  std::vector<CheckPtr> children_;
};

class OrCheck : public Check {
 public:
  explicit OrCheck(std::vector<CheckPtr> children) : children_(std::move(children)) {}
  bool eval(EvalContext& ctx) const override {
    for (const auto& c : children_) {
      if (c->eval(ctx)) return true;
    }
    return false;
  }

 private:
  std::vector<CheckPtr> children_;
};

class NotCheck : public Check {
 public:
  explicit NotCheck(CheckPtr child) : child_(std::move(child)) {}
  bool eval(EvalContext& ctx) const override { return !child_->eval(ctx); }

 private:
  CheckPtr child_;
};

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool icontains(std::string_view hay, std::string_view lowered_needle) {
  auto it = std::search(hay.begin(), hay.end(), lowered_needle.begin(), lowered_needle.end(),
                        [](char a, char b) { return lower(a) == b; });
  return it != hay.end() || lowered_needle.empty();
}

// Path prefix: `value` is `prefix` or below it.
bool path_below(std::string_view value, std::string_view prefix) {
  if (!value.starts_with(prefix)) return false;
  return value.size() == prefix.size() || prefix.ends_with('/') || value[prefix.size()] == '/';
}

// A comparison of one field with its prepared right-hand side.
class FieldCheck : public Check {
 public:
  FieldCheck(ResolvedField field, CompareOp op) : field_(std::move(field)), op_(op) {}
  void add_string(std::string s) { strs_.push_back(std::move(s)); }
  void add_number(int64_t n) { nums_.push_back(n); }
  void finish() {
    std::sort(strs_.begin(), strs_.end());
    std::sort(nums_.begin(), nums_.end());
  }

  bool eval(EvalContext& ctx) const override {
    FieldValue v;
    if (!field_.info->extract(ctx, field_.arg, v)) return false;
    if (op_ == CompareOp::kExists) return true;
    switch (field_.type) {
      case FieldType::kString:
      case FieldType::kIpNet:
        return match_str(v.str);
      case FieldType::kInt:
      case FieldType::kBool:
        return match_num(v.num);
      case FieldType::kStringList: {
        // A list matches when any element does; != when no element equals.
        bool negate = op_ == CompareOp::kNe;
        for (const auto& item : v.list) {
          if (negate ? item == rhs_or_empty() : match_str(item)) return !negate;
        }
        return negate;
      }
    }
    return false;
  }

 private:
  bool in_set(std::string_view s) const {
    return std::binary_search(strs_.begin(), strs_.end(), s, std::less<>());
  }

  const std::string& rhs_or_empty() const { return strs_.empty() ? empty_ : strs_[0]; }

  bool match_str(std::string_view s) const {
    const std::string& rhs = rhs_or_empty();
    switch (op_) {
      case CompareOp::kEq:
        return s == rhs;
      case CompareOp::kNe:
        return s != rhs;
      case CompareOp::kLt:
        return s < rhs;
      case CompareOp::kLe:
        return s <= rhs;
      case CompareOp::kGt:
        return s > rhs;
      case CompareOp::kGe:
        return s >= rhs;
      case CompareOp::kContains:
        return s.find(rhs) != std::string_view::npos;
      case CompareOp::kIContains:
        return icontains(s, rhs);
      case CompareOp::kStartsWith:
        return s.starts_with(rhs);
      case CompareOp::kEndsWith:
        return s.ends_with(rhs);
      case CompareOp::kGlob:
        return glob_match(rhs, s);
      case CompareOp::kIGlob:
        return glob_match(rhs, s, true);
      case CompareOp::kIn:
      case CompareOp::kIntersects:
        return in_set(s);
      case CompareOp::kPmatch:
        for (const auto& p : strs_) {
          if (path_below(s, p)) return true;
        }
        return false;
      case CompareOp::kExists:
      case CompareOp::kBContains:  // rewritten to contains/startswith at compile time
      case CompareOp::kBStartsWith:
        return true;
    }
    return false;
  }

  bool match_num(int64_t n) const {
    int64_t rhs = nums_.empty() ? 0 : nums_[0];
    switch (op_) {
      case CompareOp::kEq:
        return n == rhs;
      case CompareOp::kNe:
        return n != rhs;
      case CompareOp::kLt:
        return n < rhs;
      case CompareOp::kLe:
        return n <= rhs;
      case CompareOp::kGt:
        return n > rhs;
      case CompareOp::kGe:
        return n >= rhs;
      case CompareOp::kIn:
      case CompareOp::kIntersects:
        return std::binary_search(nums_.begin(), nums_.end(), n);
      default:
        return false;
    }
  }

  ResolvedField field_;
  CompareOp op_;
  std::vector<std::string> strs_;  // sorted, for in/intersects/pmatch
  std::vector<int64_t> nums_;      // sorted, for in
  std::string empty_;
};

// `evt.type = x`, `!=` and `in (...)`: a bitset test instead of string
// compares; the most common comparison in every ruleset.
class EventTypeCheck : public Check {
 public:
  EventTypeCheck(const Node& node) : negate_(node.op == CompareOp::kNe) {
    for (const auto& v : node.values) {
      EventType t = event_type_from_name(v.text);
      if (t != EventType::kUnknown) types_.set(static_cast<size_t>(t));
    }
  }
  bool eval(EvalContext& ctx) const override {
    return types_.test(static_cast<size_t>(ctx.event().type)) != negate_;
  }

 private:
  std::bitset<kEventTypeCount> types_;
  bool negate_;
};

// Falco's fd.ip, fd.port, fd.net: the client's field or the server's; for
// `!=` neither may equal.
class EitherCheck : public Check {
 public:
  EitherCheck(CheckPtr a, CheckPtr b, bool both)
      : a_(std::move(a)), b_(std::move(b)), both_(both) {}
  bool eval(EvalContext& ctx) const override {
    return both_ ? a_->eval(ctx) && b_->eval(ctx) : a_->eval(ctx) || b_->eval(ctx);
  }

 private:
  CheckPtr a_, b_;
  bool both_;
};

bool parse_number(const Value& v, FieldType type, int64_t* out) {
  if (type == FieldType::kBool) {
    if (v.text == "true") return *out = 1, true;
    if (v.text == "false") return *out = 0, true;
    return false;
  }
  auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), *out);
  return ec == std::errc() && end == v.text.data() + v.text.size();
}

bool op_allowed(FieldType type, CompareOp op) {
  switch (type) {
    case FieldType::kInt:
      return op == CompareOp::kEq || op == CompareOp::kNe || op == CompareOp::kLt ||
             op == CompareOp::kLe || op == CompareOp::kGt || op == CompareOp::kGe ||
             op == CompareOp::kIn || op == CompareOp::kIntersects || op == CompareOp::kExists;
    case FieldType::kBool:
      return op == CompareOp::kEq || op == CompareOp::kNe || op == CompareOp::kExists;
    default:
      return true;
  }
}

CheckPtr compile_compare(const Node& node, Diagnostics& diags);

CheckPtr compile_either(const Node& node, std::string_view a, std::string_view b,
                        Diagnostics& diags) {
  NodePtr left = node.clone(), right = node.clone();
  left->field = std::string(a);
  right->field = std::string(b);
  CheckPtr ca = compile_compare(*left, diags);
  CheckPtr cb = ca ? compile_compare(*right, diags) : nullptr;
  if (!cb) return nullptr;
  return std::make_unique<EitherCheck>(std::move(ca), std::move(cb), node.op == CompareOp::kNe);
}

bool all_numbers(const std::vector<Value>& values) {
  int64_t n = 0;
  for (const auto& v : values) {
    if (!parse_number(v, FieldType::kInt, &n)) return false;
  }
  return true;
}

// Bytes operators compare raw bytes given as hex: decoded here, they are
// plain contains / startswith.
bool decode_bytes_op(const Node& node, Diagnostics& diags, CompareOp* op,
                     std::vector<std::string>* needles) {
  *op = node.op == CompareOp::kBContains ? CompareOp::kContains : CompareOp::kStartsWith;
  for (const auto& v : node.values) {
    std::string bytes;
    if (!detail::decode_hex(v.text, &bytes)) {
      diags.error(v.pos.locate(), "expected hex bytes (e.g. cafebabe), got '" + v.text + "'");
      return false;
    }
    needles->push_back(std::move(bytes));
  }
  return true;
}

CheckPtr compile_compare(const Node& node, Diagnostics& diags) {
  if (node.field == "evt.type" &&
      (node.op == CompareOp::kEq || node.op == CompareOp::kNe || node.op == CompareOp::kIn)) {
    return std::make_unique<EventTypeCheck>(node);
  }
  if (node.field == "evt.dir") return detail::compile_dir(node, diags);
  if (const auto* pair = either_field(node.field)) {
    return compile_either(node, pair->first, pair->second, diags);
  }
  std::string error;
  ResolvedField field = resolve_field(node.field, &error);
  if (!field.info) {
    diags.error(node.pos.locate(), error);
    return nullptr;
  }
  if (node.field == "evt.res" && node.op != CompareOp::kExists && !all_numbers(node.values)) {
    field.info = &evt_res_text_field();
    field.type = FieldType::kString;
  }
  if (field.type == FieldType::kIpNet && node.op != CompareOp::kExists) {
    return detail::compile_ipnet(std::move(field), node, diags);
  }
  if (!op_allowed(field.type, node.op)) {
    diags.error(node.op_pos.locate(),
                "operator '" + std::string(compare_op_name(node.op)) + "' does not apply to " +
                    std::string(field_type_name(field.type)) + " field '" + node.field + "'");
    return nullptr;
  }
  if (node.op == CompareOp::kBContains || node.op == CompareOp::kBStartsWith) {
    CompareOp op;
    std::vector<std::string> needles;
    if (!decode_bytes_op(node, diags, &op, &needles)) return nullptr;
    auto check = std::make_unique<FieldCheck>(std::move(field), op);
    for (auto& n : needles) check->add_string(std::move(n));
    check->finish();
    return check;
  }
  FieldType type = field.type;
  auto check = std::make_unique<FieldCheck>(std::move(field), node.op);
  for (const auto& v : node.values) {
    if (type == FieldType::kInt || type == FieldType::kBool) {
      int64_t n = 0;
      if (!parse_number(v, type, &n)) {
        diags.error(v.pos.locate(),
                    "expected " +
                        std::string(type == FieldType::kBool ? "true or false" : "a number") +
                        " for field '" + node.field + "', got '" + v.text + "'");
        return nullptr;
      }
      check->add_number(n);
    } else {
      std::string s = v.text;
      if (node.op == CompareOp::kIContains || node.op == CompareOp::kIGlob) {
        std::transform(s.begin(), s.end(), s.begin(), lower);
      }
      check->add_string(std::move(s));
    }
  }
  check->finish();
  return check;
}

}  // namespace

CheckPtr compile_check(const Node& node, Diagnostics& diags) {
  switch (node.kind) {
    case NodeKind::kAnd:
    case NodeKind::kOr: {
      std::vector<CheckPtr> children;
      for (const auto& child : node.children) {
        auto c = compile_check(*child, diags);
        if (!c) return nullptr;
        children.push_back(std::move(c));
      }
      if (node.kind == NodeKind::kAnd) return std::make_unique<AndCheck>(std::move(children));
      return std::make_unique<OrCheck>(std::move(children));
    }
    case NodeKind::kNot: {
      auto c = compile_check(*node.children[0], diags);
      return c ? std::make_unique<NotCheck>(std::move(c)) : nullptr;
    }
    case NodeKind::kMacroRef:
      diags.error(node.pos.locate(), "undefined macro '" + node.field + "'");
      return nullptr;
    case NodeKind::kConst:
      return detail::make_const(node.const_value);
    case NodeKind::kCompare:
      return compile_compare(node, diags);
  }
  return nullptr;
}

bool glob_match(std::string_view pat, std::string_view text, bool icase) {
  // `pat` is already lowercase when icase is set.
  auto at = [&](size_t i) { return icase ? lower(text[i]) : text[i]; };
  size_t p = 0, t = 0, star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star_p = p++;
      star_t = t;
      continue;
    }
    if (p < pat.size() && pat[p] == '[') {
      size_t q = p + 1;
      bool negate = q < pat.size() && (pat[q] == '!' || pat[q] == '^');
      if (negate) ++q;
      bool matched = false;
      size_t first = q;
      while (q < pat.size() && (pat[q] != ']' || q == first)) {
        if (q + 2 < pat.size() && pat[q + 1] == '-' && pat[q + 2] != ']') {
          matched |= at(t) >= pat[q] && at(t) <= pat[q + 2];
          q += 3;
        } else {
          matched |= at(t) == pat[q++];
        }
      }
      if (q < pat.size() && matched != negate) {
        p = q + 1;
        ++t;
        continue;
      }
    } else if (p < pat.size() && (pat[p] == '?' || pat[p] == at(t))) {
      ++p;
      ++t;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    t = ++star_t;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

}  // namespace ksight::rules
