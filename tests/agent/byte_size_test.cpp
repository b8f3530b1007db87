// Byte counts as users type them (common/byte_size.h).
#include <gtest/gtest.h>

#include "common/byte_size.h"

namespace ksight {
namespace {

TEST(ByteSizeTest, PlainAndBinaryUnits) {
  EXPECT_EQ(parse_byte_size("524288"), 524288u);
  EXPECT_EQ(parse_byte_size("512k"), 512u * 1024);
  EXPECT_EQ(parse_byte_size("512K"), 512u * 1024);
  EXPECT_EQ(parse_byte_size("256KiB"), 256u * 1024);
  EXPECT_EQ(parse_byte_size("4M"), 4u << 20);
  EXPECT_EQ(parse_byte_size("1MiB"), 1u << 20);
  EXPECT_EQ(parse_byte_size("1GiB"), 1u << 30);
  EXPECT_EQ(parse_byte_size("0"), 0u);
}

TEST(ByteSizeTest, RejectsMalformedAndOverflowing) {
  for (const char* bad : {"", "k", "-1", "1.5M", "12 KiB", "1kb", "1TiB", "0x10"}) {
    EXPECT_FALSE(parse_byte_size(bad)) << bad;
  }
  EXPECT_FALSE(parse_byte_size("99999999999999999999"));
  EXPECT_FALSE(parse_byte_size("17179869184GiB"));
}

}  // namespace
}  // namespace ksight
