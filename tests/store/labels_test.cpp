#include "store/labels.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace ksight::store {
namespace {

TEST(SelectorTest, ParsesBracedQuotedAndBare) {
  auto s = Selector::parse(R"({comm="my app", type=cpu, pid!="7"})");
  ASSERT_EQ(s.matchers().size(), 3u);
  EXPECT_EQ(s.matchers()[0].key, "comm");
  EXPECT_EQ(s.matchers()[0].value, "my app");
  EXPECT_EQ(s.matchers()[1].value, "cpu");
  EXPECT_TRUE(s.matchers()[2].negate);
  EXPECT_TRUE(s.matches({{"comm", "my app"}, {"type", "cpu"}, {"pid", "8"}}));
  EXPECT_FALSE(s.matches({{"comm", "my app"}, {"type", "cpu"}, {"pid", "7"}}));
  EXPECT_FALSE(s.matches({{"comm", "other"}, {"type", "cpu"}}));
}

TEST(SelectorTest, EmptyMatchesAllAndNotEmptyAsksForALabel) {
  EXPECT_TRUE(Selector::parse("").matches({}));
  EXPECT_TRUE(Selector::parse("{}").matches({{"a", "b"}}));
  auto s = Selector::parse(R"(container_id!="")");
  EXPECT_FALSE(s.matches({{"comm", "x"}}));
  EXPECT_TRUE(s.matches({{"container_id", "abc"}}));
}

TEST(SelectorTest, ErrorsNameTheColumn) {
  try {
    Selector::parse("{comm=\"x\"");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected '}' at column 10"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Selector::parse("comm"), Error);
  EXPECT_THROW(Selector::parse("=x"), Error);
  EXPECT_THROW(Selector::parse("a=\"x"), Error);
}

TEST(LabelsTest, FormatIsCanonical) {
  EXPECT_EQ(format_labels({{"pid", "1"}, {"comm", "a\"b"}}), R"({comm="a\"b",pid="1"})");
}

}  // namespace
}  // namespace ksight::store
