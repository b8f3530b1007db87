// common/utf8_text: bytes from the kernel and the wire made valid UTF-8.
#include "common/utf8_text.h"

#include <gtest/gtest.h>

namespace ksight {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

TEST(Utf8Text, ValidTextIsKeptAsIs) {
  for (std::string s : {std::string(""), std::string("/api/items/42"),
                        std::string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80")}) {
    EXPECT_TRUE(is_utf8(s)) << s;
    EXPECT_EQ(to_utf8(s), s);
    std::string copy = s;
    EXPECT_FALSE(make_utf8(copy));
    EXPECT_EQ(copy, s);
  }
}

TEST(Utf8Text, InvalidSequencesBecomeReplacementCharacters) {
  EXPECT_FALSE(is_utf8("/\xFF"));
  EXPECT_EQ(to_utf8("/\xFF"), "/" + kReplacement);
  // Latin-1 é, a lone continuation byte, a sequence cut by the end.
  EXPECT_EQ(to_utf8("caf\xE9!"), "caf" + kReplacement + "!");
  EXPECT_EQ(to_utf8("a\x80z"), "a" + kReplacement + "z");
  EXPECT_EQ(to_utf8("end\xE2\x82"), "end" + kReplacement);
  // Overlong "/" and a UTF-16 surrogate are not UTF-8 either.
  EXPECT_FALSE(is_utf8("\xC0\xAF"));
  EXPECT_FALSE(is_utf8("\xED\xA0\x80"));
  std::string comm = "bad\xFE\xFFname";
  EXPECT_TRUE(make_utf8(comm));
  EXPECT_TRUE(is_utf8(comm));
  EXPECT_EQ(comm.substr(0, 3), "bad");
  EXPECT_EQ(comm.substr(comm.size() - 4), "name");
}

}  // namespace
}  // namespace ksight
