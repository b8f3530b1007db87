#include "common/gzip.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace ksight {
namespace {

TEST(Gzip, RoundTripsAndWritesGzipHeader) {
  std::string data(100000, 'x');
  for (size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<char>(i);
  std::string packed = gzip_compress(data);
  ASSERT_TRUE(is_gzip(packed));
  EXPECT_EQ(static_cast<unsigned char>(packed[2]), 8);  // deflate
  EXPECT_LT(packed.size(), data.size());
  EXPECT_EQ(gzip_decompress(packed), data);
}

TEST(Gzip, EmptyInput) {
  EXPECT_EQ(gzip_decompress(gzip_compress("")), "");
}

TEST(Gzip, ConcatenatedMembersAreJoined) {
  EXPECT_EQ(gzip_decompress(gzip_compress("abc") + gzip_compress("def")), "abcdef");
}

TEST(Gzip, TruncatedOrCorruptInputThrows) {
  std::string packed = gzip_compress(std::string(5000, 'a') + "tail");
  EXPECT_THROW(gzip_decompress(packed.substr(0, packed.size() / 2)), Error);
  std::string corrupt = packed;
  corrupt[12] ^= 0x55;
  EXPECT_THROW(gzip_decompress(corrupt), Error);
  EXPECT_FALSE(is_gzip("ab"));
}

TEST(Gzip, SizeLimitIsEnforced) {
  EXPECT_THROW(gzip_decompress(gzip_compress(std::string(1 << 20, 'z')), 1000), Error);
}

}  // namespace
}  // namespace ksight
