// The condition language: every operator, precedence, and error positions.
#include <gtest/gtest.h>

#include "event_builders.h"
#include "rules/parser.h"
#include "rules/ruleset.h"

namespace ksight::rules {
namespace {

using testing::base_event;
using testing::connect_event;
using testing::open_event;

bool eval(std::string_view condition, const SecurityEvent& ev) {
  Diagnostics diags;
  CheckPtr check = compile_condition(condition, diags);
  EXPECT_TRUE(check) << diags.format();
  if (!check) return false;
  EvalContext ctx;
  ctx.reset(ev);
  return check->eval(ctx);
}

Diagnostic first_error(std::string_view condition) {
  Diagnostics diags;
  CheckPtr check = compile_condition(condition, diags);
  EXPECT_FALSE(check) << condition;
  EXPECT_FALSE(diags.items.empty());
  return diags.items.empty() ? Diagnostic{} : diags.items[0];
}

struct OpCase {
  const char* condition;
  bool expected;
};

class OperatorTest : public ::testing::TestWithParam<OpCase> {};

TEST_P(OperatorTest, EvaluatesOnOpenOfShadow) {
  SecurityEvent ev = open_event("cat", "/etc/shadow", "O_RDONLY|O_CLOEXEC");
  ev.proc.args = {"cat", "-n", "/etc/shadow"};
  EXPECT_EQ(eval(GetParam().condition, ev), GetParam().expected) << GetParam().condition;
}

INSTANTIATE_TEST_SUITE_P(
    AllOperators, OperatorTest,
    ::testing::Values(
        OpCase{"proc.name = cat", true}, OpCase{"proc.name == cat", true},
        OpCase{"proc.name = dog", false}, OpCase{"proc.name != dog", true},
        OpCase{"proc.name != cat", false}, OpCase{"proc.pid < 5000", true},
        OpCase{"proc.pid < 4242", false}, OpCase{"proc.pid <= 4242", true},
        OpCase{"proc.pid > 4241", true}, OpCase{"proc.pid > 4242", false},
        OpCase{"proc.pid >= 4242", true}, OpCase{"proc.pid >= 4243", false},
        OpCase{"fd.name contains shad", true}, OpCase{"fd.name contains SHAD", false},
        OpCase{"fd.name icontains SHAD", true}, OpCase{"fd.name icontains passwd", false},
        OpCase{"fd.name startswith /etc/", true}, OpCase{"fd.name startswith /usr", false},
        OpCase{"fd.name endswith shadow", true}, OpCase{"fd.name endswith passwd", false},
        OpCase{"fd.name glob '/etc/sha*'", true}, OpCase{"fd.name glob /etc/?hadow", true},
        OpCase{"fd.name glob '/etc/[rs]hadow'", true},
        OpCase{"fd.name glob '/etc/[!s]hadow'", false}, OpCase{"fd.name glob /tmp/*", false},
        OpCase{"proc.name in (ls, cat)", true}, OpCase{"proc.name in (ls, dd)", false},
        OpCase{"proc.pid in (1, 4242)", true}, OpCase{"proc.pid in (1, 2)", false},
        OpCase{"proc.name in ()", false}, OpCase{"proc.aname intersects (nginx, sshd)", true},
        OpCase{"proc.aname intersects (nginx, httpd)", false},
        OpCase{"fd.name pmatch (/etc, /root)", true}, OpCase{"fd.name pmatch (/etc/sha)", false},
        OpCase{"fd.name pmatch (/etc/shadow)", true}, OpCase{"fd.sip exists", false},
        OpCase{"fd.name exists", true}, OpCase{"proc.aname = sshd", true},
        OpCase{"proc.aname = nginx", false}, OpCase{"proc.aname != nginx", true},
        OpCase{"proc.aname[1] = sshd", true}, OpCase{"proc.aname[2] = systemd", true},
        OpCase{"proc.aname[0] = cat", true}, OpCase{"proc.aname[3] exists", false},
        OpCase{"evt.arg.flags contains O_RDONLY", true}, OpCase{"evt.arg[0] startswith O_RD", true},
        OpCase{"evt.arg.mode exists", false}, OpCase{"evt.is_open_read = true", true},
        OpCase{"evt.is_open_write = true", false}, OpCase{"evt.type = openat", true},
        OpCase{"evt.type in (open, openat2)", false}, OpCase{"proc.args = '-n /etc/shadow'", true},
        OpCase{"proc.cmdline = 'cat -n /etc/shadow'", true}, OpCase{"fd.directory = /etc", true},
        OpCase{"fd.filename = shadow", true}, OpCase{"fd.typechar = f", true},
        OpCase{"fd.type = file", true}, OpCase{"container.id = host", true},
        OpCase{"evt.args = 'flags=O_RDONLY|O_CLOEXEC'", true},
        OpCase{"proc.name=cat and proc.pid=4242", true}));

TEST(ParserTest, NotBindsTighterThanAndThanOr) {
  SecurityEvent ev = open_event("cat", "/etc/shadow", "O_RDONLY");
  // or is lowest: (false and false) or true
  EXPECT_TRUE(eval("proc.name = x and proc.name = y or proc.name = cat", ev));
  // and before or: true or (false and false) -> true, not (true or ...) would differ
  EXPECT_TRUE(eval("proc.name = cat or proc.name = x and proc.name = y", ev));
  // not applies to the next primary only: (not false) and true
  EXPECT_TRUE(eval("not proc.name = x and proc.name = cat", ev));
  EXPECT_FALSE(eval("not (proc.name = x or proc.name = cat)", ev));
  EXPECT_TRUE(eval("not not proc.name = cat", ev));
  EXPECT_FALSE(eval("(proc.name = cat or proc.name = x) and proc.name = y", ev));
}

TEST(ParserTest, QuotedValuesKeepSpacesAndEscapes) {
  SecurityEvent ev = base_event(EventType::kExecve, "sh");
  ev.proc.args = {"sh", "-c", "echo \"hi there\""};
  EXPECT_TRUE(eval(R"(proc.args contains "\"hi there\"")", ev));
  EXPECT_TRUE(eval("proc.args contains 'hi there'", ev));
}

TEST(ParserTest, SocketFieldsFollowConnectionRole) {
  SecurityEvent ev = connect_event("curl", "93.184.216.34", 443);
  EXPECT_TRUE(eval("fd.rport = 443 and fd.lport = 40000 and fd.rip = 93.184.216.34", ev));
  EXPECT_TRUE(eval("fd.name = '10.0.0.5:40000->93.184.216.34:443'", ev));
  ev.fd.is_server = true;  // accept: we are the destination
  EXPECT_TRUE(eval("fd.lport = 443 and fd.rport = 40000 and fd.lip = 93.184.216.34", ev));
  EXPECT_TRUE(eval("fd.l4proto = tcp and fd.typechar = 4 and fd.type = ipv4", ev));
  EXPECT_FALSE(eval("fd.directory exists", ev));
}

TEST(ParserTest, ErrorPointsAtTheOffendingToken) {
  Diagnostic d = first_error("proc.name = bash and proc.nmae = x");
  EXPECT_EQ(d.where.column, 22);
  EXPECT_EQ(d.message, "unknown field 'proc.nmae'");
  EXPECT_EQ(d.format(),
            "<condition>:1:22: error: unknown field 'proc.nmae'\n"
            "  proc.name = bash and proc.nmae = x\n"
            "                       ^\n");
}

TEST(ParserTest, SyntaxErrorsHavePositions) {
  struct Case {
    const char* condition;
    int column;
    const char* message_part;
  };
  for (const Case& c : {
           Case{"proc.name = ", 13, "expected a value"},
           Case{"(proc.name = a", 15, "expected ')'"},
           Case{"proc.name = a)", 14, "unbalanced ')'"},
           Case{"proc.name = a and", 18, "expected a field"},
           Case{"proc.name bash", 11, "expected an operator"},
           Case{"proc.name in bash, zsh", 18, "unexpected"},
           Case{"proc.name in (a b)", 17, "expected ',' or ')'"},
           Case{"proc.name = \"abc", 13, "unterminated string"},
           Case{"proc.name ! bash", 11, "not an operator"},
           Case{"proc.pid > abc", 12, "expected a number"},
           Case{"proc.name = a | count > 1 within 1s", 15, "only allowed in rules"},
           Case{"proc.aname[x] = a", 1, "bad index"},
           Case{"proc.pid contains 1", 10, "does not apply"},
           Case{"and", 1, "expected a field"},
       }) {
    Diagnostic d = first_error(c.condition);
    EXPECT_EQ(d.where.column, c.column) << c.condition << ": " << d.message;
    EXPECT_NE(d.message.find(c.message_part), std::string::npos)
        << c.condition << ": " << d.message;
  }
}

TEST(ParserTest, RateClauseParses) {
  auto src = SourceText::inline_text(
      "evt.type = connect | count by (proc.pid, proc.name) >= 20 within 500ms");
  ParseResult r = parse_condition(src, true);
  ASSERT_FALSE(r.error) << r.error->format();
  ASSERT_TRUE(r.rate);
  EXPECT_EQ(r.rate->by_fields, (std::vector<std::string>{"proc.pid", "proc.name"}));
  EXPECT_EQ(r.rate->op, CompareOp::kGe);
  EXPECT_EQ(r.rate->threshold, 20u);
  EXPECT_EQ(r.rate->window_ns, 500'000'000u);
  ParseResult bad =
      parse_condition(SourceText::inline_text("evt.type = connect | count > 5 within 10x"), true);
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->where.column, 39);
}

TEST(ParserTest, GlobMatcher) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYY"));
  EXPECT_TRUE(glob_match("[a-c]x", "bx"));
  EXPECT_FALSE(glob_match("[a-c]x", "dx"));
  EXPECT_TRUE(glob_match("?", "z"));
  EXPECT_FALSE(glob_match("?", ""));
}

}  // namespace
}  // namespace ksight::rules
