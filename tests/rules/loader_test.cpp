// Rule files: macros and lists, overrides across files, exceptions, and the
// loader's diagnostics.
#include <gtest/gtest.h>

#include "event_builders.h"
#include "rules/engine.h"
#include "rules/ruleset.h"

namespace ksight::rules {
namespace {

using testing::exec_event;
using testing::open_event;

LoadResult load(std::vector<std::string> files) {
  std::vector<RuleSource> sources;
  for (size_t i = 0; i < files.size(); ++i)
    sources.push_back({"f" + std::to_string(i) + ".yaml", files[i]});
  return load_rules(sources);
}

std::vector<std::string> fired(const LoadResult& result, const SecurityEvent& ev) {
  EXPECT_TRUE(result.ok()) << result.diagnostics.format();
  if (!result.ok()) return {};
  EngineOptions options;
  options.alert_limit = RateLimit{};  // unlimited
  options.hostname = "test";
  Engine engine(result.rules, options);
  std::vector<std::string> names;
  for (const auto& alert : engine.process(ev)) names.push_back(alert.rule);
  return names;
}

const char* kBase = R"(
- list: shells
  items: [bash, sh]
- list: all_shells
  items: [shells, zsh]
- macro: spawned
  condition: evt.type = execve and evt.res = 0
- macro: shell_spawned
  condition: spawned and proc.name in (all_shells)
- rule: Shell
  desc: a shell
  condition: shell_spawned
  output: shell %proc.name
  priority: WARNING
  tags: [T1059]
)";

TEST(LoaderTest, MacrosAndNestedListsExpand) {
  auto result = load({kBase});
  EXPECT_EQ(fired(result, exec_event("zsh", {})), std::vector<std::string>{"Shell"});
  EXPECT_EQ(fired(result, exec_event("bash", {})), std::vector<std::string>{"Shell"});
  EXPECT_TRUE(fired(result, exec_event("python3", {})).empty());
  EXPECT_EQ(result.diagnostics.error_count(), 0u);
  EXPECT_EQ(result.rules->rules()[0].priority, Priority::kWarning);
  // Indexed by event type: the rule is only looked at for execve.
  EXPECT_EQ(result.rules->rules_for(EventType::kExecve).size(), 1u);
  EXPECT_EQ(result.rules->rules_for(EventType::kOpenat).size(), 0u);
}

TEST(LoaderTest, OverrideAppendAndReplaceAcrossFiles) {
  const char* local = R"(
- list: shells
  items: [python3]
  override: {items: append}
- rule: Shell
  condition: and proc.pname != cron
  override: {condition: append}
- rule: Shell
  priority: ERROR
  output: replaced %proc.pname
  override: {priority: replace, output: replace}
)";
  auto result = load({kBase, local});
  ASSERT_TRUE(result.ok()) << result.diagnostics.format();
  EXPECT_EQ(fired(result, exec_event("python3", {})).size(), 1u);
  EXPECT_TRUE(fired(result, exec_event("bash", {}, "cron")).empty());
  const CompiledRule& rule = result.rules->rules()[0];
  EXPECT_EQ(rule.priority, Priority::kError);
  EXPECT_EQ(rule.condition, "shell_spawned and proc.pname != cron");
  Engine engine(result.rules, EngineOptions{nullptr, RateLimit{}, 16, "h"});
  auto alerts = engine.process(exec_event("bash", {}, "sshd"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].output.find("replaced sshd"), std::string::npos);
}

TEST(LoaderTest, DeprecatedAppendTrueStillWorks) {
  const char* local = R"(
- macro: spawned
  condition: and user.uid = 0
  append: true
- list: shells
  items: [fish]
  append: true
)";
  auto result = load({kBase, local});
  EXPECT_TRUE(fired(result, exec_event("bash", {})).empty());  // uid 1000
  auto root_shell = exec_event("fish", {});
  root_shell.proc.uid = 0;
  EXPECT_EQ(fired(result, root_shell).size(), 1u);
}

TEST(LoaderTest, EnabledFalseDisablesAndRedefinitionReplaces) {
  auto disabled = load({kBase, "- rule: Shell\n  enabled: false\n"});
  ASSERT_TRUE(disabled.ok());
  EXPECT_TRUE(fired(disabled, exec_event("bash", {})).empty());
  EXPECT_FALSE(disabled.rules->rules()[0].enabled);
  auto redefined = load({kBase, R"(
- rule: Shell
  desc: now about cats
  condition: evt.type = execve and proc.name = cat
  output: cat
  priority: INFO
)"});
  EXPECT_TRUE(fired(redefined, exec_event("bash", {})).empty());
  EXPECT_EQ(fired(redefined, exec_event("cat", {})).size(), 1u);
}

TEST(LoaderTest, ExceptionsBecomeAndNotClauses) {
  const char* rules = R"(
- rule: Read Etc
  desc: d
  condition: evt.type = openat and fd.name startswith /etc/
  output: read %fd.name
  priority: NOTICE
  exceptions:
    - name: known
      fields: [proc.name, fd.name]
      comps: [=, pmatch]
      values:
        - [sshd, /etc/ssh]
        - [cron, [/etc/crontab, /etc/cron.d]]
    - name: by_name
      fields: proc.name
      values: [updatedb, mandb]
)";
  auto result = load({rules});
  EXPECT_TRUE(fired(result, open_event("sshd", "/etc/ssh/sshd_config", "O_RDONLY")).empty());
  EXPECT_EQ(fired(result, open_event("sshd", "/etc/passwd", "O_RDONLY")).size(), 1u);
  EXPECT_TRUE(fired(result, open_event("cron", "/etc/cron.d/job", "O_RDONLY")).empty());
  EXPECT_TRUE(fired(result, open_event("mandb", "/etc/manpath.config", "O_RDONLY")).empty());
  EXPECT_EQ(fired(result, open_event("cat", "/etc/ssh/sshd_config", "O_RDONLY")).size(), 1u);
  // Appending values to an existing exception from another file.
  auto extended = load({rules, R"(
- rule: Read Etc
  exceptions:
    - name: by_name
      values: [cat]
  override: {exceptions: append}
)"});
  EXPECT_TRUE(fired(extended, open_event("cat", "/etc/ssh/sshd_config", "O_RDONLY")).empty());
}

Diagnostic only_error(const LoadResult& result) {
  EXPECT_FALSE(result.ok());
  for (const auto& d : result.diagnostics.items) {
    if (d.severity == Severity::kError) return d;
  }
  ADD_FAILURE() << "no error";
  return {};
}

Diagnostic first_warning(const LoadResult& result) {
  for (const auto& d : result.diagnostics.items) {
    if (d.severity == Severity::kWarning) return d;
  }
  ADD_FAILURE() << "no warning";
  return {};
}

TEST(LoaderTest, UnknownFieldSkipsTheRuleWithAWarningPointingIntoTheFile) {
  auto result = load({R"(- rule: Bad
  desc: d
  condition: >
    evt.type = execve
    and proc.nam = bash
  output: o
  priority: WARNING
)"});
  ASSERT_TRUE(result.ok()) << result.diagnostics.format();
  EXPECT_TRUE(result.rules->rules().empty());
  ASSERT_EQ(result.rules->skipped_rules().size(), 1u);
  EXPECT_EQ(result.rules->skipped_rules()[0].name, "Bad");
  EXPECT_EQ(result.rules->skipped_rules()[0].why, SkippedRule::Why::kUnknownField);
  Diagnostic d = first_warning(result);
  EXPECT_EQ(d.where.file, "f0.yaml");
  EXPECT_EQ(d.where.line, 5);
  EXPECT_EQ(d.where.column, 9);
  EXPECT_EQ(d.format(),
            "f0.yaml:5:9: warning: unknown field 'proc.nam': rule 'Bad' skipped\n"
            "      and proc.nam = bash\n"
            "          ^\n");
}

TEST(LoaderTest, ProblemInsideMacroPointsAtTheMacro) {
  auto result = load({R"(- macro: m
  condition: proc.name = a and fd.nme = b
- rule: R
  desc: d
  condition: evt.type = openat and m
  output: o
  priority: WARNING
)"});
  Diagnostic d = first_warning(result);
  EXPECT_EQ(d.where.line, 2);
  EXPECT_EQ(d.where.column, 32);
}

TEST(LoaderTest, ErrorInAppendedConditionPointsAtTheSecondFile) {
  auto result = load(
      {kBase, "- rule: Shell\n  condition: and proc.pid = x\n  override: {condition: append}\n"});
  Diagnostic d = only_error(result);
  EXPECT_EQ(d.where.file, "f1.yaml");
  EXPECT_EQ(d.where.line, 2);
  EXPECT_EQ(d.where.column, 29);
  EXPECT_NE(d.message.find("expected a number"), std::string::npos) << d.format();
}

TEST(LoaderTest, ShapeErrors) {
  struct Case {
    const char* yaml;
    int line;
    const char* message_part;
  };
  for (const Case& c : {
           Case{"- rule: R\n  desc: d\n  condition: evt.type = execve\n  priority: WARNING\n", 1,
                "has no 'output'"},
           Case{"- rule: R\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: "
                "LOUD\n",
                5, "unknown priority"},
           Case{"- rule: R\n  condition: a\n  override: {condition: append}\n", 1,
                "not defined before"},
           Case{"- macro: m\n", 1, "has no 'condition'"},
           Case{"- list: l\n  items: notalist\n", 2, "must be a list"},
           Case{"rule: R\n", 1, "must be a YAML list"},
           Case{"- [a, b]\n", 1, "must be a map"},
           Case{"- something: x\n", 1, "unknown item"},
           Case{"- required_engine_version: 99.0.0\n", 1, "require engine version"},
           Case{"- rule: R\n  tags: [a\n", 3, "YAML"},
           Case{"- rule: R\n  desc: d\n  condition: evt.type = execve and undefined_macro\n  "
                "output: o\n  priority: INFO\n",
                3, "undefined macro"},
           Case{"- rule: R\n  desc: d\n  condition: evt.type = execve and proc.name in nolist\n  "
                "output: o\n  priority: INFO\n",
                3, "undefined list"},
           Case{"- macro: a\n  condition: b\n- macro: b\n  condition: a\n- rule: R\n  desc: d\n  "
                "condition: a\n  output: o\n  priority: INFO\n",
                4, "refers to itself"},
           Case{"- rule: R\n  desc: d\n  condition: evt.type = execve\n  output: 'o % x'\n  "
                "priority: INFO\n",
                4, "without a field name"},
           Case{"- rule: R\n  desc: d\n  condition: evt.type = execve | count by (proc.nope) > 1 "
                "within 1s\n  output: o\n  priority: INFO\n",
                3, "rate clause"},
       }) {
    Diagnostic d = only_error(load({c.yaml}));
    EXPECT_EQ(d.where.line, c.line) << c.yaml << d.format();
    EXPECT_NE(d.message.find(c.message_part), std::string::npos) << c.yaml << d.format();
  }
}

TEST(LoaderTest, WarningsForUnusedMacrosAlwaysTrueAndUnknownKeys) {
  auto result = load({R"(- macro: unused
  condition: proc.name = x
- list: unused_list
  items: [a]
- rule: R
  desc: d
  condition: evt.type = execve and (proc.name = a or not proc.name = a) and proc.args contains ""
  output: o
  priority: INFO
  colour: blue
- rule: Everything
  desc: d
  condition: proc.name = a
  output: o
  priority: INFO
)"});
  ASSERT_TRUE(result.ok()) << result.diagnostics.format();
  std::string text = result.diagnostics.format();
  EXPECT_NE(text.find("macro 'unused' is never used"), std::string::npos) << text;
  EXPECT_NE(text.find("list 'unused_list' is never used"), std::string::npos) << text;
  EXPECT_NE(text.find("always true"), std::string::npos) << text;
  EXPECT_NE(text.find("unknown key 'colour'"), std::string::npos) << text;
  EXPECT_NE(text.find("does not restrict evt.type"), std::string::npos) << text;
  EXPECT_EQ(result.diagnostics.error_count(), 0u);
}

TEST(LoaderTest, HostileInputIsBounded) {
  // Macros and lists that double at every level must not exhaust memory.
  std::string macros = "- macro: m0\n  condition: proc.name = a\n";
  std::string lists = "- list: l0\n  items: [a, b]\n";
  for (int i = 1; i < 40; ++i) {
    std::string prev = std::to_string(i - 1), cur = std::to_string(i);
    macros += "- macro: m" + cur + "\n  condition: (m" + prev + " or m" + prev + ")\n";
    lists += "- list: l" + cur + "\n  items: [l" + prev + ", l" + prev + "]\n";
  }
  std::string rule =
      "- rule: R\n  desc: d\n  condition: evt.type = execve and m39\n  output: o\n  priority: "
      "INFO\n";
  std::string text = load({macros + rule}).diagnostics.format();
  EXPECT_NE(text.find("too large after expanding"), std::string::npos) << text.substr(0, 500);
  text = load({lists}).diagnostics.format();
  EXPECT_NE(text.find("too large"), std::string::npos) << text.substr(0, 500);
  Diagnostics diags;
  EXPECT_FALSE(compile_condition(std::string(5000, '(') + "proc.name = a", diags));
  EXPECT_NE(diags.format().find("nested too deeply"), std::string::npos);
}

TEST(LoaderTest, UnreadableFileIsAnError) {
  auto result = load_rule_files({"/nonexistent/rules.yaml"});
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.diagnostics.format().find("/nonexistent/rules.yaml: error: cannot read"),
            std::string::npos);
}

}  // namespace
}  // namespace ksight::rules
