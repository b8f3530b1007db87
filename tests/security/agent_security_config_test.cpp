// The agent's security.* keys: defaults, printed config, validation, YAML.
#include <gtest/gtest.h>

#include "agent/agent_config.h"
#include "common/error.h"

namespace ksight::agent {
namespace {

TEST(AgentSecurityConfigTest, DefaultsRunTheEmbeddedRulesToStdout) {
  AgentConfig c;
  EXPECT_TRUE(c.security);
  EXPECT_EQ(find_config_key("security.enabled")->get(c), "true");
  EXPECT_EQ(find_config_key("security.rules")->get(c), "default");
  EXPECT_EQ(find_config_key("security.output")->get(c), "stdout");
  EXPECT_EQ(find_config_key("security.min_priority")->get(c), "debug");
}

TEST(AgentSecurityConfigTest, PrintedConfigShowsTheSecuritySection) {
  std::string yaml = render_config_yaml(AgentConfig{});
  auto section = yaml.find("\nsecurity:\n");
  ASSERT_NE(section, std::string::npos) << yaml;
  for (const char* line : {"  enabled: true\n", "  rules: default\n", "  output: stdout\n",
                           "  min_priority: debug\n"}) {
    EXPECT_NE(yaml.find(line, section), std::string::npos) << line;
  }
  // The printed document parses back to the same configuration.
  EXPECT_TRUE(changed_keys(parse_config_yaml(yaml, "printed.yaml"), AgentConfig{}).empty());
}

TEST(AgentSecurityConfigTest, OnlyTheRulesReloadWithoutRestart) {
  EXPECT_TRUE(find_config_key("security.rules")->reloadable);
  EXPECT_FALSE(find_config_key("security.output")->reloadable);
  EXPECT_FALSE(find_config_key("security.enabled")->reloadable);
  EXPECT_FALSE(find_config_key("security.min_priority")->reloadable);
}

TEST(AgentSecurityConfigTest, OutputsAreValidated) {
  AgentConfig c;
  apply_config_value(c, "security.output", "stdout,file:/tmp/a.jsonl,syslog");
  EXPECT_EQ(c.security_output, "stdout,file:/tmp/a.jsonl,syslog");
  apply_config_value(c, "security.output", "http://127.0.0.1:2801/alerts");
  apply_config_value(c, "security.output", "https://siem.example/in");
  for (const char* bad : {"ftp://x", "file:", "", ",", "stdout,printer"}) {
    EXPECT_THROW(apply_config_value(c, "security.output", bad), Error) << bad;
  }
  EXPECT_EQ(c.security_output, "https://siem.example/in");  // a rejected value changes nothing
}

TEST(AgentSecurityConfigTest, PrioritiesAndRulesAreValidated) {
  AgentConfig c;
  apply_config_value(c, "security.min_priority", "WARNING");
  EXPECT_EQ(c.security_min_priority, "WARNING");
  apply_config_value(c, "security.min_priority", "info");
  EXPECT_THROW(apply_config_value(c, "security.min_priority", "loud"), Error);
  EXPECT_THROW(apply_config_value(c, "security.rules", " , "), Error);
  apply_config_value(c, "security.rules", "default,/etc/ksight/local.yaml");
  EXPECT_EQ(c.security_rules, "default,/etc/ksight/local.yaml");
}

TEST(AgentSecurityConfigTest, YamlSectionAndErrorsWithLines) {
  AgentConfig c = parse_config_yaml(
      "security:\n  enabled: false\n  rules: /a.yaml,/b.yaml\n  output: file:/var/log/k.jsonl\n",
      "agent.yaml");
  EXPECT_FALSE(c.security);
  EXPECT_EQ(c.security_rules, "/a.yaml,/b.yaml");
  EXPECT_EQ(c.security_output, "file:/var/log/k.jsonl");
  try {
    parse_config_yaml("security:\n  min_priority: loud\n", "agent.yaml");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("agent.yaml:2: security.min_priority"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ksight::agent
