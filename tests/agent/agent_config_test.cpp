#include "agent/agent_config.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace ksight::agent {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_config_yaml(yaml, "agent.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AgentConfig, DefaultsAreEmbedded) {
  AgentConfig c = parse_config_yaml("", "agent.yaml");
  EXPECT_EQ(c.listen, "127.0.0.1:9464");
  EXPECT_TRUE(c.syscalls);
  EXPECT_EQ(c.max_label_values, 200u);
  EXPECT_EQ(c.profiler_frequency, 19u);
}

TEST(AgentConfig, ParsesNestedKeys) {
  AgentConfig c = parse_config_yaml(
      "listen: 0.0.0.0:9100\ncollect_interval: 500ms\nsources:\n  kmem: false\n"
      "metrics:\n  max_label_values: 50\nprocess_table:\n  exit_grace: 2m\n",
      "agent.yaml");
  EXPECT_EQ(c.listen, "0.0.0.0:9100");
  EXPECT_EQ(c.collect_interval, std::chrono::milliseconds(500));
  EXPECT_FALSE(c.kmem);
  EXPECT_EQ(c.max_label_values, 50u);
  EXPECT_EQ(c.process_exit_grace, std::chrono::seconds(120));
}

TEST(AgentConfig, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(error_of("listen: 127.0.0.1:9464\nsources:\n  kmem: maybe\n"),
            "agent.yaml:3: sources.kmem: expected true or false, got 'maybe'");
  EXPECT_EQ(error_of("\n\nmetrics:\n  max_label_value: 3\n"),
            "agent.yaml:4: unknown key 'metrics.max_label_value'");
  EXPECT_EQ(error_of("listen: 9464\n"),
            "agent.yaml:1: listen: expected host:port such as 127.0.0.1:9464 or [::1]:9464, got "
            "'9464'");
  EXPECT_EQ(error_of("ring_buffer_kib: 1000\n"),
            "agent.yaml:1: ring_buffer_kib: expected a power of two, got 1000");
  EXPECT_EQ(error_of("collect_interval: 5ms\n"),
            "agent.yaml:1: collect_interval: expected a duration from 100ms to 60s, got '5ms'");
  EXPECT_EQ(error_of("profiler:\n  frequency: [1, 2]\n"),
            "agent.yaml:2: profiler.frequency: expected a uint value");
  EXPECT_NE(error_of("listen: [unclosed\n").find("agent.yaml:"), std::string::npos);
  EXPECT_EQ(error_of("- a\n- b\n"), "agent.yaml:1: expected a mapping of configuration keys");
}

TEST(AgentConfig, FlagsUseTheSameKeysAndChecks) {
  AgentConfig c;
  apply_config_value(c, "sources.net", "off");
  EXPECT_FALSE(c.net);
  apply_config_value(c, "listen", "[::1]:9000");
  EXPECT_EQ(c.listen, "[::1]:9000");
  try {
    apply_config_value(c, "metrics.max_label_values", "-1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "--metrics.max_label_values: expected a whole number, got '-1'");
  }
  EXPECT_THROW(apply_config_value(c, "nope", "1"), Error);
}

TEST(AgentConfig, RenderedDefaultsParseBackToDefaults) {
  AgentConfig def;
  std::string yaml = render_config_yaml(def);
  AgentConfig back = parse_config_yaml(yaml, "rendered");
  EXPECT_TRUE(changed_keys(def, back).empty()) << yaml;
  back.kmem = false;
  EXPECT_EQ(changed_keys(def, back), std::vector<std::string>{"sources.kmem"});
}

// profiler.unwind picks the agent's user-stack method (src/unwind); a typo
// must fail at startup rather than silently profile with frame pointers.
TEST(AgentConfig, ProfilerUnwindKey) {
  EXPECT_EQ(AgentConfig{}.profiler_unwind, "auto");
  AgentConfig c = parse_config_yaml("profiler:\n  unwind: dwarf\n", "agent.yaml");
  EXPECT_EQ(c.profiler_unwind, "dwarf");
  apply_config_value(c, "profiler.unwind", "fp");
  EXPECT_EQ(c.profiler_unwind, "fp");
  EXPECT_EQ(error_of("profiler:\n  unwind: dwarff\n"),
            "agent.yaml:2: profiler.unwind: expected auto, fp or dwarf, got 'dwarff'");
  EXPECT_THROW(apply_config_value(c, "profiler.unwind", "FP"), Error);
  EXPECT_EQ(c.profiler_unwind, "fp");
  EXPECT_NE(render_config_yaml(AgentConfig{}).find("unwind: auto"), std::string::npos);
}

// Lines cost the DWARF of every profiled -g binary in the agent's memory:
// off unless asked for.
TEST(AgentConfig, ProfilerLinesKeyIsOffByDefault) {
  EXPECT_FALSE(AgentConfig{}.profiler_lines);
  AgentConfig c = parse_config_yaml("profiler:\n  lines: true\n", "agent.yaml");
  EXPECT_TRUE(c.profiler_lines);
  apply_config_value(c, "profiler.lines", "false");
  EXPECT_FALSE(c.profiler_lines);
  EXPECT_EQ(error_of("profiler:\n  lines: yes please\n"),
            "agent.yaml:2: profiler.lines: expected true or false, got 'yes please'");
}

TEST(AgentConfig, ListenAddresses) {
  EXPECT_EQ(parse_listen_address("127.0.0.1:9464")->second, 9464);
  EXPECT_EQ(parse_listen_address("[::]:80")->first, "::");
  EXPECT_EQ(parse_listen_address("localhost:0")->second, 0);
  EXPECT_FALSE(parse_listen_address("::1:80"));
  EXPECT_FALSE(parse_listen_address("host:99999"));
  EXPECT_FALSE(parse_listen_address("host:"));
  EXPECT_FALSE(parse_listen_address(":80"));
}

}  // namespace
}  // namespace ksight::agent
