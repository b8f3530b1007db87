// Lexer, parser and diagnostics of the one-liner language.
#include <gtest/gtest.h>

#include "trace/diagnostics.h"
#include "trace/lexer.h"
#include "trace/parser.h"

namespace ksight::trace {
namespace {

TEST(TraceLexer, AttachPointsAreSingleTokensOutsideBlocks) {
  auto toks =
      tokenize("uprobe:/bin/bash:readline, t:syscalls:sys_enter_* /pid == 1/ { @x = 1 / 2; }");
  ASSERT_GE(toks.size(), 4u);
  EXPECT_EQ(toks[0].kind, Tok::kAttachPoint);
  EXPECT_EQ(toks[0].text, "uprobe:/bin/bash:readline");
  EXPECT_EQ(toks[2].kind, Tok::kAttachPoint);
  EXPECT_EQ(toks[2].text, "t:syscalls:sys_enter_*");
  EXPECT_EQ(toks[3].text, "/");
  EXPECT_EQ(toks[4].kind, Tok::kIdent);
  EXPECT_EQ(toks[4].text, "pid");
}

TEST(TraceLexer, PredicateRightAfterAttachPoint) {
  auto toks = tokenize("t:syscalls:sys_enter_read/pid==1/{}");
  EXPECT_EQ(toks[0].text, "t:syscalls:sys_enter_read");
  EXPECT_EQ(toks[1].text, "/");
}

TEST(TraceLexer, NumbersStringsAndComments) {
  auto toks = tokenize("BEGIN { // comment\n $x = 0x10 + 1_000; /* c */ printf(\"a\\n\\\"b\"); }");
  std::vector<std::string> texts;
  for (const auto& t : toks) texts.push_back(t.text);
  ASSERT_GE(toks.size(), 14u);
  EXPECT_EQ(toks[2].kind, Tok::kVar);
  EXPECT_EQ(toks[4].value, 16);
  EXPECT_EQ(toks[6].value, 1000);
  EXPECT_EQ(toks[10].kind, Tok::kString);
  EXPECT_EQ(toks[10].text, "a\n\"b");
  EXPECT_EQ(toks[1].loc.line, 1);
  EXPECT_EQ(toks[2].loc.line, 2);
  EXPECT_EQ(toks[2].loc.col, 2);
}

TEST(TraceLexer, UnterminatedStringIsAnErrorWithCaret) {
  try {
    tokenize("BEGIN { printf(\"abc); }");
    FAIL();
  } catch (const CompileError& e) {
    EXPECT_EQ(e.diagnostic().loc.col, 16);
    EXPECT_NE(std::string(e.what()).find("1:16: error: unterminated string"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("\n               ^"), std::string::npos) << e.what();
  }
}

TEST(TraceParser, CPrecedence) {
  ast::Arena arena;
  auto prog = parse("BEGIN { $x = 1 + 2 * 3 == 7 && 4 | 1 << 2; }", arena);
  auto* assign = static_cast<ast::AssignVar*>(prog.probes[0]->block[0]);
  auto* land = static_cast<ast::Binop*>(assign->expr);
  ASSERT_EQ(land->op, ast::Op::kLand);
  auto* eq = static_cast<ast::Binop*>(land->lhs);
  EXPECT_EQ(eq->op, ast::Op::kEq);
  auto* add = static_cast<ast::Binop*>(eq->lhs);
  EXPECT_EQ(add->op, ast::Op::kAdd);
  EXPECT_EQ(static_cast<ast::Binop*>(add->rhs)->op, ast::Op::kMul);
  auto* bor = static_cast<ast::Binop*>(land->rhs);
  EXPECT_EQ(bor->op, ast::Op::kBor);
  EXPECT_EQ(static_cast<ast::Binop*>(bor->rhs)->op, ast::Op::kShl);
}

TEST(TraceParser, ProbesPredicatesMapsAndIfElse) {
  ast::Arena arena;
  auto prog = parse(
      "t:syscalls:sys_enter_openat, t:syscalls:sys_enter_open /comm == \"cat\"/ {\n"
      "  @opens[comm, pid] = count();\n"
      "  if (pid > 1) { $a = 1 } else if (pid == 0) { $a = 2 } else { $a += 3; }\n"
      "  @ = hist(args.flags);\n"
      "}\n"
      "END { print(@opens); clear(@opens); }",
      arena);
  ASSERT_EQ(prog.probes.size(), 2u);
  auto* p = prog.probes[0];
  EXPECT_EQ(p->attach_points.size(), 2u);
  ASSERT_NE(p->predicate, nullptr);
  EXPECT_EQ(static_cast<ast::Binop*>(p->predicate)->op, ast::Op::kEq);
  ASSERT_EQ(p->block.size(), 3u);
  auto* m = static_cast<ast::AssignMap*>(p->block[0]);
  EXPECT_EQ(m->map->name, "@opens");
  EXPECT_EQ(m->map->keys.size(), 2u);
  auto* i = static_cast<ast::If*>(p->block[1]);
  ASSERT_EQ(i->else_block.size(), 1u);
  EXPECT_EQ(i->else_block[0]->kind, ast::NodeKind::kIf);
  auto* anon = static_cast<ast::AssignMap*>(p->block[2]);
  EXPECT_EQ(anon->map->name, "@");
  auto* field = static_cast<ast::Field*>(static_cast<ast::Call*>(anon->expr)->args[0]);
  EXPECT_EQ(field->field, "flags");
}

TEST(TraceParser, CompoundAssignmentDesugars) {
  ast::Arena arena;
  auto prog = parse("BEGIN { $y = 5; $y -= 2; }", arena);
  auto* dec = static_cast<ast::AssignVar*>(prog.probes[0]->block[1]);
  EXPECT_EQ(static_cast<ast::Binop*>(dec->expr)->op, ast::Op::kSub);
}

TEST(TraceParser, IncrementsPrefixAndPostfix) {
  ast::Arena arena;
  auto prog = parse("BEGIN { @x++; ++@y[1]; $i--; --$i; $j = $i++ + 1; }", arena);
  const auto& b = prog.probes[0]->block;
  ASSERT_EQ(b.size(), 5u);
  auto inc_dec = [&](size_t i) {
    auto* e = static_cast<ast::ExprStmt*>(b[i])->expr;
    EXPECT_EQ(e->kind, ast::NodeKind::kIncDec);
    return static_cast<ast::IncDec*>(e);
  };
  EXPECT_TRUE(inc_dec(0)->increment);
  EXPECT_FALSE(inc_dec(0)->prefix);
  EXPECT_TRUE(inc_dec(1)->prefix);
  EXPECT_EQ(inc_dec(1)->target->kind, ast::NodeKind::kMap);
  EXPECT_FALSE(inc_dec(2)->increment);
  EXPECT_FALSE(inc_dec(2)->prefix);
  EXPECT_TRUE(inc_dec(3)->prefix);
  auto* add = static_cast<ast::Binop*>(static_cast<ast::AssignVar*>(b[4])->expr);
  EXPECT_EQ(add->lhs->kind, ast::NodeKind::kIncDec);
}

TEST(TraceParser, LoopsNeedNoSemicolon) {
  ast::Arena arena;
  auto prog = parse(
      "BEGIN { $i = 0; while ($i < 5) { $i++; if ($i == 2) { continue } break; }"
      " unroll(3) { @n++ } unroll($1) { } exit() }",
      arena);
  const auto& b = prog.probes[0]->block;
  ASSERT_EQ(b.size(), 5u);
  auto* w = static_cast<ast::While*>(b[1]);
  ASSERT_EQ(w->kind, ast::NodeKind::kWhile);
  ASSERT_EQ(w->body.size(), 3u);
  EXPECT_EQ(w->body[2]->kind, ast::NodeKind::kJump);
  EXPECT_TRUE(static_cast<ast::Jump*>(w->body[2])->is_break);
  auto* cont = static_cast<ast::If*>(w->body[1])->then_block[0];
  EXPECT_FALSE(static_cast<ast::Jump*>(cont)->is_break);
  auto* u = static_cast<ast::Unroll*>(b[2]);
  EXPECT_EQ(static_cast<ast::Integer*>(u->count)->value, 3);
  EXPECT_EQ(static_cast<ast::Unroll*>(b[3])->count->kind, ast::NodeKind::kPositional);
}

TEST(TraceParser, PositionalCastAndSizeof) {
  ast::Arena arena;
  auto prog = parse(
      "BEGIN { $a = $1 + $#; $b = (uint8)$a + 1; $c = sizeof(int16) + sizeof($a); $d = (pid); }",
      arena);
  const auto& b = prog.probes[0]->block;
  auto expr = [&](size_t i) { return static_cast<ast::AssignVar*>(b[i])->expr; };
  auto* sum = static_cast<ast::Binop*>(expr(0));
  EXPECT_EQ(static_cast<ast::Positional*>(sum->lhs)->index, 1);
  EXPECT_EQ(static_cast<ast::Positional*>(sum->rhs)->index, 0);
  // The cast binds tighter than +.
  auto* plus = static_cast<ast::Binop*>(expr(1));
  ASSERT_EQ(plus->lhs->kind, ast::NodeKind::kCast);
  EXPECT_EQ(static_cast<ast::Cast*>(plus->lhs)->type_name, "uint8");
  auto* sizes = static_cast<ast::Binop*>(expr(2));
  EXPECT_EQ(static_cast<ast::Sizeof*>(sizes->lhs)->type_name, "int16");
  EXPECT_EQ(static_cast<ast::Sizeof*>(sizes->rhs)->operand->kind, ast::NodeKind::kVariable);
  EXPECT_EQ(expr(3)->kind, ast::NodeKind::kBuiltin);  // (pid) is not a cast
}

std::string parse_error(const std::string& src) {
  ast::Arena arena;
  try {
    parse(src, arena);
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

TEST(TraceParser, ErrorsPointAtLineAndColumn) {
  std::string e = parse_error("BEGIN {\n  printf(\"x\")\n  exit();\n}");
  EXPECT_NE(e.find("3:3: error: expected ';' or '}' after the statement, found 'exit'"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("\n  exit();\n  ^"), std::string::npos) << e;
  EXPECT_NE(parse_error("BEGIN { @x = ; }").find("1:14: error: expected an expression"),
            std::string::npos);
  EXPECT_NE(parse_error("BEGIN { 1 = 2; }").find("can only assign to a map"), std::string::npos);
  EXPECT_NE(parse_error("BEGIN { @x = 1;").find("expected '}'"), std::string::npos);
  EXPECT_NE(parse_error("").find("empty program"), std::string::npos);
  EXPECT_NE(parse_error("BEGIN { 1++; }").find("1:9: error: ++ and -- apply to a map"),
            std::string::npos);
  EXPECT_NE(
      parse_error("BEGIN { $x = (struct task_struct *)0; }").find("1:15: error: struct casts"),
      std::string::npos);
  EXPECT_NE(parse_error("BEGIN { $x = (uint8 *)0; }").find("pointer casts are not supported"),
            std::string::npos);
  EXPECT_NE(parse_error("BEGIN { unroll(pid) { } }").find("integer literal or a positional"),
            std::string::npos);
  EXPECT_NE(parse_error("BEGIN { $x = $0; }").find("1:14: error: invalid positional parameter $0"),
            std::string::npos);
}

TEST(TraceDiagnostics, NearestName) {
  EXPECT_EQ(nearest_name("comn", {"comm", "cpu", "pid"}), "comm");
  EXPECT_EQ(nearest_name("xyzzy", {"comm", "cpu", "pid"}), "");
  EXPECT_EQ(suggest("tid", {"pid", "comm"}), "did you mean 'pid'?");
}

}  // namespace
}  // namespace ksight::trace
