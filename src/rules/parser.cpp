#include "rules/parser.h"

#include <charconv>
#include <stdexcept>

#include "rules/lexer.h"

namespace ksight::rules {

namespace {

struct ParseError {
  uint32_t offset;
  std::string message;
};

std::optional<CompareOp> word_op(std::string_view w) {
  if (w == "contains") return CompareOp::kContains;
  if (w == "icontains") return CompareOp::kIContains;
  if (w == "startswith") return CompareOp::kStartsWith;
  if (w == "endswith") return CompareOp::kEndsWith;
  if (w == "glob") return CompareOp::kGlob;
  if (w == "iglob") return CompareOp::kIGlob;
  if (w == "bcontains") return CompareOp::kBContains;
  if (w == "bstartswith") return CompareOp::kBStartsWith;
  if (w == "in") return CompareOp::kIn;
  if (w == "intersects") return CompareOp::kIntersects;
  if (w == "pmatch") return CompareOp::kPmatch;
  if (w == "exists") return CompareOp::kExists;
  return std::nullopt;
}

std::optional<CompareOp> symbol_op(std::string_view s) {
  if (s == "=" || s == "==") return CompareOp::kEq;
  if (s == "!=") return CompareOp::kNe;
  if (s == "<") return CompareOp::kLt;
  if (s == "<=") return CompareOp::kLe;
  if (s == ">") return CompareOp::kGt;
  if (s == ">=") return CompareOp::kGe;
  return std::nullopt;
}

bool is_keyword(std::string_view w) {
  return w == "and" || w == "or" || w == "not" || word_op(w).has_value();
}

// A field or macro name; a field may end in a bracketed argument, which
// Falco allows to be a path or key (`container.mount.dest[/proc*]`).
bool valid_name(std::string_view w) {
  if (w.empty() || !(std::isalpha(static_cast<unsigned char>(w[0])) || w[0] == '_')) return false;
  size_t bracket = w.find('[');
  if (bracket != std::string_view::npos) {
    if (w.back() != ']' || bracket + 2 > w.size()) return false;
    w = w.substr(0, bracket);
  }
  for (char c : w) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
          c == '/')) {
      return false;
    }
  }
  return true;
}

std::string describe(const Token& tok) {
  switch (tok.kind) {
    case TokenKind::kEnd:
      return "end of condition";
    case TokenKind::kString:
      return "string \"" + tok.text + "\"";
    default:
      return "'" + tok.text + "'";
  }
}

class Parser {
 public:
  Parser(std::shared_ptr<const SourceText> source)
      : source_(std::move(source)), lexer_(source_->text()) {}

  ParseResult run(bool allow_rate) {
    ParseResult result;
    result.root = parse_or();
    Token tok = lexer_.next();
    if (tok.kind == TokenKind::kPipe) {
      if (!allow_rate) fail(tok.offset, "a rate clause ('| count ...') is only allowed in rules");
      result.rate = parse_rate(tok.offset);
      tok = lexer_.next();
    }
    if (tok.kind == TokenKind::kRParen) fail(tok.offset, "unbalanced ')'");
    if (tok.kind != TokenKind::kEnd)
      fail(tok.offset, "unexpected " + describe(tok) + ", expected 'and', 'or' or the end");
    return result;
  }

 private:
  [[noreturn]] void fail(uint32_t offset, std::string message) {
    throw ParseError{offset, std::move(message)};
  }
  SourcePos at(uint32_t offset) const { return SourcePos{source_, offset}; }

  Token expect_token(Token tok) {
    if (tok.kind == TokenKind::kInvalid) fail(tok.offset, tok.text);
    return tok;
  }

  NodePtr parse_or() { return parse_chain(NodeKind::kOr, "or"); }
  NodePtr parse_and() { return parse_chain(NodeKind::kAnd, "and"); }

  NodePtr parse_chain(NodeKind kind, std::string_view keyword) {
    uint32_t start = lexer_.peek().offset;
    std::vector<NodePtr> items;
    items.push_back(kind == NodeKind::kOr ? parse_and() : parse_not());
    for (;;) {
      Token tok = lexer_.peek();
      if (tok.kind != TokenKind::kWord || tok.text != keyword) break;
      lexer_.next();
      items.push_back(kind == NodeKind::kOr ? parse_and() : parse_not());
    }
    if (items.size() == 1) return std::move(items[0]);
    return make_logical(kind, at(start), std::move(items));
  }

  // Bounds the recursion of `not not ...` and `((((...` so hostile input
  // cannot overflow the stack.
  struct DepthGuard {
    Parser& p;
    DepthGuard(Parser& parser, uint32_t offset) : p(parser) {
      if (++p.depth_ > kMaxDepth) p.fail(offset, "condition nested too deeply");
    }
    ~DepthGuard() { --p.depth_; }
  };
  static constexpr int kMaxDepth = 200;

  NodePtr parse_not() {
    Token tok = expect_token(lexer_.peek());
    DepthGuard guard(*this, tok.offset);
    if (tok.kind == TokenKind::kWord && tok.text == "not") {
      lexer_.next();
      return make_not(at(tok.offset), parse_not());
    }
    return parse_primary();
  }

  NodePtr parse_primary() {
    Token tok = expect_token(lexer_.next());
    if (tok.kind == TokenKind::kLParen) {
      NodePtr inner = parse_or();
      Token close = expect_token(lexer_.next());
      if (close.kind != TokenKind::kRParen) {
        fail(close.offset, "expected ')' to close the '(' at column " +
                               std::to_string(tok.offset + 1) + ", got " + describe(close));
      }
      return inner;
    }
    if (tok.kind != TokenKind::kWord || is_keyword(tok.text)) {
      fail(tok.offset, "expected a field, macro or '(', got " + describe(tok));
    }
    if (!valid_name(tok.text)) fail(tok.offset, "'" + tok.text + "' is not a field or macro name");
    Token op_tok = expect_token(lexer_.peek());
    std::optional<CompareOp> op;
    if (op_tok.kind == TokenKind::kOperator) op = symbol_op(op_tok.text);
    if (op_tok.kind == TokenKind::kWord) op = word_op(op_tok.text);
    if (!op) return macro_ref(tok, op_tok);
    lexer_.next();
    auto node = std::make_unique<Node>();
    node->kind = NodeKind::kCompare;
    node->pos = at(tok.offset);
    node->field = tok.text;
    node->op = *op;
    node->op_pos = at(op_tok.offset);
    if (*op == CompareOp::kExists) return node;
    if (is_list_op(*op)) {
      parse_list(*node);
    } else {
      node->values.push_back(parse_value());
    }
    return node;
  }

  NodePtr macro_ref(const Token& name, const Token& after) {
    if (name.text.find_first_of(".[") != std::string::npos) {
      fail(after.offset,
           "expected an operator after field '" + name.text + "', got " + describe(after));
    }
    auto node = std::make_unique<Node>();
    node->kind = NodeKind::kMacroRef;
    node->pos = at(name.offset);
    node->field = name.text;
    return node;
  }

  Value parse_value() {
    Token tok = expect_token(lexer_.next_value());
    if (tok.kind != TokenKind::kWord && tok.kind != TokenKind::kString) {
      fail(tok.offset, "expected a value, got " + describe(tok));
    }
    return Value{tok.text, at(tok.offset), tok.kind == TokenKind::kString};
  }

  void parse_list(Node& node) {
    node.list_rhs = true;
    Token tok = expect_token(lexer_.next_value());
    if (tok.kind == TokenKind::kWord) {  // `in list_name`
      node.named_list = true;
      node.values.push_back(Value{tok.text, at(tok.offset), false});
      return;
    }
    if (tok.kind != TokenKind::kLParen)
      fail(tok.offset, "expected '(' or a list name, got " + describe(tok));
    Token peeked = expect_token(lexer_.next_value());
    if (peeked.kind == TokenKind::kRParen) return;  // empty list
    for (;;) {
      if (peeked.kind != TokenKind::kWord && peeked.kind != TokenKind::kString) {
        fail(peeked.offset, "expected a list item, got " + describe(peeked));
      }
      node.values.push_back(
          Value{peeked.text, at(peeked.offset), peeked.kind == TokenKind::kString});
      Token sep = expect_token(lexer_.next_value());
      if (sep.kind == TokenKind::kRParen) return;
      if (sep.kind != TokenKind::kComma)
        fail(sep.offset, "expected ',' or ')' in list, got " + describe(sep));
      peeked = expect_token(lexer_.next_value());
    }
  }

  RateClause parse_rate(uint32_t pipe_offset);
  std::vector<std::string> parse_by(RateClause& rate);

  std::shared_ptr<const SourceText> source_;
  Lexer lexer_;
  int depth_ = 0;
};

uint64_t parse_uint(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) throw std::invalid_argument("number");
  return value;
}

// "60s" -> nanoseconds; throws std::invalid_argument.
uint64_t parse_duration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  uint64_t n = parse_uint(text.substr(0, digits));
  std::string_view unit = text.substr(digits);
  uint64_t scale = 0;
  if (unit == "ms") scale = 1'000'000ULL;
  if (unit == "s") scale = 1'000'000'000ULL;
  if (unit == "m") scale = 60'000'000'000ULL;
  if (unit == "h") scale = 3'600'000'000'000ULL;
  if (scale == 0 || n == 0) throw std::invalid_argument("duration");
  return n * scale;
}

RateClause Parser::parse_rate(uint32_t pipe_offset) {
  RateClause rate;
  rate.pos = at(pipe_offset);
  Token tok = expect_token(lexer_.next());
  if (tok.kind != TokenKind::kWord || tok.text != "count")
    fail(tok.offset, "expected 'count' after '|'");
  tok = expect_token(lexer_.next());
  if (tok.kind == TokenKind::kWord && tok.text == "by") {
    parse_by(rate);
    tok = expect_token(lexer_.next());
  }
  auto op = tok.kind == TokenKind::kOperator ? symbol_op(tok.text) : std::nullopt;
  if (!op || (*op != CompareOp::kGt && *op != CompareOp::kGe && *op != CompareOp::kEq)) {
    fail(tok.offset, "expected '>', '>=' or '=' in the rate clause, got " + describe(tok));
  }
  rate.op = *op;
  tok = expect_token(lexer_.next());
  try {
    rate.threshold = parse_uint(tok.text);
  } catch (const std::invalid_argument&) {
    fail(tok.offset, "expected a count, got " + describe(tok));
  }
  tok = expect_token(lexer_.next());
  if (tok.kind != TokenKind::kWord || tok.text != "within") fail(tok.offset, "expected 'within'");
  tok = expect_token(lexer_.next());
  try {
    rate.window_ns = parse_duration(tok.text);
  } catch (const std::invalid_argument&) {
    fail(tok.offset, "expected a duration such as 500ms, 60s, 5m or 1h, got " + describe(tok));
  }
  return rate;
}

std::vector<std::string> Parser::parse_by(RateClause& rate) {
  Token tok = expect_token(lexer_.next());
  if (tok.kind != TokenKind::kLParen) fail(tok.offset, "expected '(' after 'by'");
  for (;;) {
    tok = expect_token(lexer_.next());
    if (tok.kind != TokenKind::kWord || !valid_name(tok.text))
      fail(tok.offset, "expected a field name");
    rate.by_fields.push_back(tok.text);
    rate.by_positions.push_back(at(tok.offset));
    tok = expect_token(lexer_.next());
    if (tok.kind == TokenKind::kRParen) return rate.by_fields;
    if (tok.kind != TokenKind::kComma) fail(tok.offset, "expected ',' or ')'");
  }
}

}  // namespace

ParseResult parse_condition(std::shared_ptr<const SourceText> source, bool allow_rate) {
  Parser parser(source);
  try {
    return parser.run(allow_rate);
  } catch (const ParseError& e) {
    ParseResult result;
    Diagnostic diag;
    diag.where = source->locate(e.offset);
    diag.message = e.message;
    result.error = std::move(diag);
    return result;
  }
}

}  // namespace ksight::rules
