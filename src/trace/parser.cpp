#include "trace/parser.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "trace/diagnostics.h"
#include "trace/lexer.h"

namespace ksight::trace {

namespace {

using ast::Expr;
using ast::Op;

struct BinaryLevel {
  std::vector<std::pair<std::string_view, Op>> ops;
};

// From loosest to tightest binding, below the ternary.
const std::vector<BinaryLevel>& binary_levels() {
  static const std::vector<BinaryLevel> levels = {
      {{{"||", Op::kLor}}},
      {{{"&&", Op::kLand}}},
      {{{"|", Op::kBor}}},
      {{{"^", Op::kBxor}}},
      {{{"&", Op::kBand}}},
      {{{"==", Op::kEq}, {"!=", Op::kNe}}},
      {{{"<", Op::kLt}, {"<=", Op::kLe}, {">", Op::kGt}, {">=", Op::kGe}}},
      {{{"<<", Op::kShl}, {">>", Op::kShr}}},
      {{{"+", Op::kAdd}, {"-", Op::kSub}}},
      {{{"*", Op::kMul}, {"/", Op::kDiv}, {"%", Op::kMod}}},
  };
  return levels;
}

const std::map<std::string_view, Op>& compound_ops() {
  static const std::map<std::string_view, Op> ops = {
      {"+=", Op::kAdd},  {"-=", Op::kSub}, {"*=", Op::kMul},  {"/=", Op::kDiv},  {"%=", Op::kMod},
      {"&=", Op::kBand}, {"|=", Op::kBor}, {"^=", Op::kBxor}, {"<<=", Op::kShl}, {">>=", Op::kShr}};
  return ops;
}

class Parser {
 public:
  Parser(std::string_view src, ast::Arena& arena)
      : src_(src), arena_(arena), toks_(tokenize(src)) {}

  ast::Program program() {
    ast::Program prog;
    while (cur().kind != Tok::kEnd) prog.probes.push_back(probe());
    if (prog.probes.empty()) fail(src_, cur().loc, "empty program: expected a probe");
    return prog;
  }

 private:
  const Token& cur() const { return toks_[pos_]; }
  // The token `k` after the current one (the end token past the last).
  const Token& ahead(size_t k) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
  bool is_keyword(std::string_view word) const {
    return cur().kind == Tok::kIdent && cur().text == word;
  }
  bool is(std::string_view punct) const { return cur().kind == Tok::kPunct && cur().text == punct; }
  bool accept(std::string_view punct) {
    if (!is(punct)) return false;
    ++pos_;
    return true;
  }
  void expect(std::string_view punct, std::string_view what) {
    if (accept(punct)) return;
    fail(src_, cur().loc,
         "expected '" + std::string(punct) + "' " + std::string(what) + ", found " +
             describe(cur()));
  }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEnd:
        return "end of input";
      case Tok::kString:
        return "string \"" + t.text + "\"";
      default:
        return "'" + t.text + "'";
    }
  }

  ast::Probe* probe() {
    ast::Probe* p = arena_.make_probe();
    p->loc = cur().loc;
    do {
      if (cur().kind != Tok::kAttachPoint) {
        fail(src_, cur().loc,
             "expected a probe (e.g. tracepoint:syscalls:sys_enter_openat), found " +
                 describe(cur()));
      }
      p->attach_points.push_back({cur().text, cur().loc});
      ++pos_;
    } while (accept(","));
    if (accept("/")) {
      no_top_division_ = true;
      p->predicate = expr();
      no_top_division_ = false;
      expect("/", "to end the predicate");
    }
    p->block = block();
    return p;
  }

  std::vector<ast::Stmt*> block() {
    expect("{", "to open the action block");
    std::vector<ast::Stmt*> stmts;
    while (!accept("}")) {
      if (cur().kind == Tok::kEnd) fail(src_, cur().loc, "expected '}' to close the action block");
      if (accept(";")) continue;
      ast::Stmt* s = stmt();
      stmts.push_back(s);
      bool block_stmt = s->kind == ast::NodeKind::kIf || s->kind == ast::NodeKind::kWhile ||
                        s->kind == ast::NodeKind::kUnroll;
      if (!block_stmt && !is("}") && !accept(";")) {
        fail(src_, cur().loc, "expected ';' or '}' after the statement, found " + describe(cur()));
      }
    }
    return stmts;
  }

  ast::Stmt* stmt() {
    ast::Location loc = cur().loc;
    if (is_keyword("if")) return if_stmt();
    if (is_keyword("while")) return while_stmt();
    if (is_keyword("unroll")) return unroll_stmt();
    if (is_keyword("break") || is_keyword("continue")) {
      bool brk = cur().text == "break";
      ++pos_;
      return arena_.make<ast::Jump>(brk, loc);
    }
    Expr* e = expr();
    if (cur().kind == Tok::kPunct && (is("=") || compound_ops().count(cur().text))) {
      return assignment(e, loc);
    }
    return arena_.make<ast::ExprStmt>(e, loc);
  }

  ast::Stmt* if_stmt() {
    ast::Location loc = cur().loc;
    ++pos_;
    expect("(", "after 'if'");
    Expr* cond = expr();
    expect(")", "after the if condition");
    auto then_block = block();
    std::vector<ast::Stmt*> else_block;
    if (cur().kind == Tok::kIdent && cur().text == "else") {
      ++pos_;
      if (cur().kind == Tok::kIdent && cur().text == "if") {
        else_block.push_back(if_stmt());
      } else {
        else_block = block();
      }
    }
    return arena_.make<ast::If>(cond, std::move(then_block), std::move(else_block), loc);
  }

  ast::Stmt* while_stmt() {
    ast::Location loc = cur().loc;
    ++pos_;
    expect("(", "after 'while'");
    Expr* cond = expr();
    expect(")", "after the while condition");
    return arena_.make<ast::While>(cond, block(), loc);
  }

  ast::Stmt* unroll_stmt() {
    ast::Location loc = cur().loc;
    ++pos_;
    expect("(", "after 'unroll'");
    Expr* count = primary();
    if (count->kind != ast::NodeKind::kInteger && count->kind != ast::NodeKind::kPositional)
      fail(src_, count->loc, "unroll() takes an integer literal or a positional parameter");
    expect(")", "after the unroll count");
    return arena_.make<ast::Unroll>(count, block(), loc);
  }

  ast::Stmt* assignment(Expr* target, ast::Location loc) {
    if (target->kind != ast::NodeKind::kMap && target->kind != ast::NodeKind::kVariable) {
      fail(src_, target->loc, "can only assign to a map (@name) or a variable ($name)");
    }
    std::string op = cur().text;
    ast::Location op_loc = cur().loc;
    ++pos_;
    Expr* value = expr();
    if (op != "=") value = arena_.make<ast::Binop>(compound_ops().at(op), target, value, op_loc);
    if (target->kind == ast::NodeKind::kMap) {
      return arena_.make<ast::AssignMap>(static_cast<ast::Map*>(target), value, loc);
    }
    return arena_.make<ast::AssignVar>(static_cast<ast::Variable*>(target), value, loc);
  }

  Expr* expr() {
    Expr* cond = binary(0);
    if (!is("?")) return cond;
    ast::Location loc = cur().loc;
    ++pos_;
    Expr* then_expr = expr();
    expect(":", "in the ?: expression");
    Expr* else_expr = expr();
    return arena_.make<ast::Ternary>(cond, then_expr, else_expr, loc);
  }

  Expr* binary(size_t level) {
    const auto& levels = binary_levels();
    if (level == levels.size()) return unary();
    Expr* lhs = binary(level + 1);
    while (cur().kind == Tok::kPunct) {
      const std::pair<std::string_view, Op>* match = nullptr;
      for (const auto& candidate : levels[level].ops) {
        if (cur().text == candidate.first) match = &candidate;
      }
      if (!match) break;
      if (match->second == Op::kDiv && no_top_division_ && paren_depth_ == 0) break;
      ast::Location loc = cur().loc;
      ++pos_;
      lhs = arena_.make<ast::Binop>(match->second, lhs, binary(level + 1), loc);
    }
    return lhs;
  }

  Expr* unary() {
    ast::Location loc = cur().loc;
    if (accept("!")) return arena_.make<ast::Unop>(Op::kNot, unary(), loc);
    if (accept("-")) return arena_.make<ast::Unop>(Op::kNeg, unary(), loc);
    if (accept("~")) return arena_.make<ast::Unop>(Op::kBnot, unary(), loc);
    if (is("++") || is("--")) {
      bool inc = cur().text == "++";
      ++pos_;
      return arena_.make<ast::IncDec>(inc_dec_target(unary()), inc, true, loc);
    }
    if (is("(") && ahead(1).kind == Tok::kIdent && (ahead(2).kind == Tok::kPunct)) {
      uint32_t bytes = 0;
      bool is_signed = false;
      bool type = int_type(ahead(1).text, bytes, is_signed);
      if (type && ahead(2).text == ")") {
        std::string name = ahead(1).text;
        pos_ += 3;
        return arena_.make<ast::Cast>(name, unary(), loc);
      }
      if ((type || ahead(1).text == "struct") && ahead(2).text == "*")
        fail(src_, ahead(1).loc, "pointer casts are not supported (no C types without BTF)");
    }
    if (is("(") && ahead(1).kind == Tok::kIdent && ahead(1).text == "struct")
      fail(src_, ahead(1).loc, "struct casts are not supported (no C types without BTF)");
    return postfix();
  }

  Expr* inc_dec_target(Expr* e) {
    if (e->kind != ast::NodeKind::kMap && e->kind != ast::NodeKind::kVariable)
      fail(src_, e->loc, "++ and -- apply to a map (@name) or a variable ($name)");
    return e;
  }

  Expr* postfix() {
    Expr* e = primary();
    while (is(".") || is("->")) {
      ast::Location loc = cur().loc;
      ++pos_;
      if (cur().kind != Tok::kIdent) fail(src_, cur().loc, "expected a field name after '.'");
      e = arena_.make<ast::Field>(e, cur().text, loc);
      ++pos_;
    }
    if (is("++") || is("--")) {
      bool inc = cur().text == "++";
      ast::Location loc = cur().loc;
      ++pos_;
      return arena_.make<ast::IncDec>(inc_dec_target(e), inc, false, loc);
    }
    return e;
  }

  std::vector<Expr*> expr_list(std::string_view close) {
    std::vector<Expr*> items;
    ++paren_depth_;
    if (!accept(close)) {
      do {
        items.push_back(expr());
      } while (accept(","));
      expect(close, "to close the list");
    }
    --paren_depth_;
    return items;
  }

  Expr* primary() {
    const Token& t = cur();
    ast::Location loc = t.loc;
    switch (t.kind) {
      case Tok::kInt:
        ++pos_;
        return arena_.make<ast::Integer>(t.value, loc);
      case Tok::kString:
        ++pos_;
        return arena_.make<ast::String>(t.text, loc);
      case Tok::kVar:
        ++pos_;
        if (t.text == "$#") return arena_.make<ast::Positional>(0, loc);
        if (std::isdigit(static_cast<unsigned char>(t.text[1]))) return positional(t);
        return arena_.make<ast::Variable>(t.text, loc);
      case Tok::kMap: {
        ++pos_;
        std::vector<Expr*> keys;
        if (accept("[")) keys = expr_list("]");
        return arena_.make<ast::Map>(t.text, std::move(keys), loc);
      }
      case Tok::kIdent: {
        if (t.text == "sizeof" && ahead(1).kind == Tok::kPunct && ahead(1).text == "(")
          return sizeof_expr();
        ++pos_;
        if (accept("(")) return arena_.make<ast::Call>(t.text, expr_list(")"), loc);
        return arena_.make<ast::Builtin>(t.text, loc);
      }
      default:
        break;
    }
    if (accept("(")) {
      ++paren_depth_;
      Expr* e = expr();
      --paren_depth_;
      expect(")", "to close '('");
      return e;
    }
    fail(src_, loc, "expected an expression, found " + describe(t));
  }

  Expr* positional(const Token& t) {
    std::string digits = t.text.substr(1);
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 4 ||
        std::stoi(digits) == 0) {
      fail(src_, t.loc, "invalid positional parameter " + t.text + " (use $1, $2, ... or $#)");
    }
    return arena_.make<ast::Positional>(std::stoi(digits), t.loc);
  }

  Expr* sizeof_expr() {
    ast::Location loc = cur().loc;
    pos_ += 2;
    uint32_t bytes = 0;
    bool is_signed = false;
    if (cur().kind == Tok::kIdent && int_type(cur().text, bytes, is_signed) &&
        ahead(1).text == ")") {
      std::string name = cur().text;
      pos_ += 2;
      return arena_.make<ast::Sizeof>(name, nullptr, loc);
    }
    if (is_keyword("struct"))
      fail(src_, cur().loc, "sizeof(struct ...) is not supported (no C types without BTF)");
    ++paren_depth_;
    Expr* e = expr();
    --paren_depth_;
    expect(")", "to close sizeof(");
    return arena_.make<ast::Sizeof>("", e, loc);
  }

  std::string_view src_;
  ast::Arena& arena_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int paren_depth_ = 0;
  bool no_top_division_ = false;
};

}  // namespace

bool int_type(std::string_view name, uint32_t& bytes, bool& is_signed) {
  static const std::map<std::string_view, std::pair<uint32_t, bool>> types = {
      {"int8", {1, true}},  {"uint8", {1, false}},  {"int16", {2, true}}, {"uint16", {2, false}},
      {"int32", {4, true}}, {"uint32", {4, false}}, {"int64", {8, true}}, {"uint64", {8, false}}};
  auto it = types.find(name);
  if (it == types.end()) return false;
  bytes = it->second.first;
  is_signed = it->second.second;
  return true;
}

ast::Program parse(std::string_view source, ast::Arena& arena) {
  return Parser(source, arena).program();
}

}  // namespace ksight::trace
