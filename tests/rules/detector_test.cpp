// The Detector shared by `ksight detect` and the agent: rule lists, alerts
// reaching the outputs, reloads that keep the old rules on errors, and the
// minimum priority.
#include "rules/detector.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "event_builders.h"

namespace ksight::rules {
namespace {

namespace fs = std::filesystem;
using testing::open_event;

const char* kShadowRule = R"(
- rule: Shadow Read
  desc: d
  condition: evt.type = openat and fd.name = /etc/shadow
  output: shadow read by %proc.name
  priority: WARNING
)";

const char* kNoticeRule = R"(
- rule: Hosts Read
  desc: d
  condition: evt.type = openat and fd.name = /etc/hosts
  output: hosts read by %proc.name
  priority: NOTICE
)";

class DetectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ksight-detector-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    rules_ = (dir_ / "local.yaml").string();
    alerts_ = (dir_ / "alerts.jsonl").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write_rules(const std::string& text) { std::ofstream(rules_) << text; }
  DetectorOptions options() {
    DetectorOptions o;
    o.rule_files = {rules_};
    o.outputs = {"file:" + alerts_};
    return o;
  }
  std::vector<std::string> alert_lines() {
    std::ifstream in(alerts_);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  fs::path dir_;
  std::string rules_, alerts_;
};

TEST(ParseRulesListTest, DefaultAndFilesInOrder) {
  DetectorOptions o;
  parse_rules_list("default, /a.yaml,,/b.yaml ", o);
  EXPECT_TRUE(o.with_default);
  EXPECT_EQ(o.rule_files, (std::vector<std::string>{"/a.yaml", "/b.yaml"}));
  parse_rules_list("/only.yaml", o);
  EXPECT_FALSE(o.with_default);
  EXPECT_EQ(o.rule_files, (std::vector<std::string>{"/only.yaml"}));
}

TEST_F(DetectorTest, AlertReachesTheOutput) {
  write_rules(kShadowRule);
  Detector detector(options(), "test");
  detector.handle(open_event("cat", "/etc/shadow", "O_RDONLY"));
  detector.handle(open_event("cat", "/etc/passwd", "O_RDONLY"));
  detector.flush();
  auto lines = alert_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("\"rule\":\"Shadow Read\""), std::string::npos) << lines[0];
  EXPECT_EQ(detector.engine().counters().alerts, 1u);
}

TEST_F(DetectorTest, BadRulesAtStartThrow) {
  write_rules("- rule: Broken\n  condition: evt.type = = openat\n");
  EXPECT_THROW(Detector(options(), "test"), Error);
}

TEST_F(DetectorTest, BadReloadKeepsTheOldRules) {
  write_rules(kShadowRule);
  Detector detector(options(), "test");
  write_rules(std::string(kShadowRule) +
              "- rule: Broken\n  desc: d\n  condition: fd.name = = x\n  output: o\n"
              "  priority: WARNING\n");
  EXPECT_FALSE(detector.reload());
  detector.handle(open_event("cat", "/etc/shadow", "O_RDONLY"));
  detector.flush();
  EXPECT_EQ(alert_lines().size(), 1u);
  EngineCounters c = detector.engine().counters();
  EXPECT_EQ(c.reload_failures, 1u);
  EXPECT_EQ(c.reloads, 0u);
}

TEST_F(DetectorTest, UnreadableFileFailsTheReloadAndKeepsTheFileList) {
  write_rules(kShadowRule);
  Detector detector(options(), "test");
  EXPECT_FALSE(detector.reload({(dir_ / "missing.yaml").string()}, false));
  EXPECT_EQ(detector.options().rule_files, std::vector<std::string>{rules_});
  EXPECT_EQ(detector.engine().counters().reload_failures, 1u);
  // A good reload to another list switches to it.
  std::ofstream(dir_ / "hosts.yaml") << kNoticeRule;
  EXPECT_TRUE(detector.reload({(dir_ / "hosts.yaml").string()}, false));
  detector.handle(open_event("cat", "/etc/shadow", "O_RDONLY"));
  detector.handle(open_event("cat", "/etc/hosts", "O_RDONLY"));
  detector.flush();
  auto lines = alert_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("Hosts Read"), std::string::npos);
}

TEST_F(DetectorTest, MinPriorityLeavesLessSevereRulesOut) {
  write_rules(std::string(kShadowRule) + kNoticeRule);
  DetectorOptions o = options();
  o.engine.min_priority = Priority::kWarning;
  Detector detector(o, "test");
  detector.handle(open_event("cat", "/etc/hosts", "O_RDONLY"));
  detector.handle(open_event("cat", "/etc/shadow", "O_RDONLY"));
  detector.flush();
  auto lines = alert_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("Shadow Read"), std::string::npos);
}

TEST_F(DetectorTest, EmbeddedRulesetWithDefault) {
  write_rules(kNoticeRule);
  DetectorOptions o = options();
  o.with_default = true;
  Detector detector(o, "test");
  EXPECT_GT(detector.engine().rules()->rules().size(), 20u);
}

}  // namespace
}  // namespace ksight::rules
