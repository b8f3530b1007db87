#include "symbolizer/proc_maps.h"

#include <gtest/gtest.h>

namespace ksight::symbolizer {
namespace {

struct MapsCase {
  const char* line;
  uint64_t start, limit, offset;
  bool executable;
  MappingKind kind;
  const char* path;
  bool deleted;
  const char* display;
};

class MapsLineTest : public ::testing::TestWithParam<MapsCase> {};

TEST_P(MapsLineTest, ParsesFields) {
  const MapsCase& c = GetParam();
  MapsParseError error;
  auto entry = parse_maps_line(c.line, &error);
  ASSERT_TRUE(entry) << error.message << " at column " << error.column;
  EXPECT_EQ(entry->start, c.start);
  EXPECT_EQ(entry->limit, c.limit);
  EXPECT_EQ(entry->offset, c.offset);
  EXPECT_EQ(entry->executable, c.executable);
  EXPECT_EQ(entry->kind, c.kind);
  EXPECT_EQ(entry->path, c.path);
  EXPECT_EQ(entry->deleted, c.deleted);
  EXPECT_EQ(mapping_display_name(*entry), c.display);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MapsLineTest,
    ::testing::Values(
        MapsCase{"55d0c0a00000-55d0c0a21000 r-xp 00002000 08:01 131090 /usr/bin/bash",
                 0x55d0c0a00000, 0x55d0c0a21000, 0x2000, true, MappingKind::kFile, "/usr/bin/bash",
                 false, "bash"},
        MapsCase{"7f1c2a000000-7f1c2a028000 r--p 00000000 fd:00 42 "
                 "/usr/lib/x86_64-linux-gnu/libc.so.6",
                 0x7f1c2a000000, 0x7f1c2a028000, 0, false, MappingKind::kFile,
                 "/usr/lib/x86_64-linux-gnu/libc.so.6", false, "libc.so.6"},
        MapsCase{"7f00-8f00 r-xp 00001000 00:1f 77 /tmp/my prog (deleted)", 0x7f00, 0x8f00, 0x1000,
                 true, MappingKind::kFile, "/tmp/my prog", true, "my prog"},
        MapsCase{"7ffd1000-7ffd3000 r-xp 00000000 00:00 0                          [vdso]",
                 0x7ffd1000, 0x7ffd3000, 0, true, MappingKind::kVdso, "[vdso]", false, "[vdso]"},
        MapsCase{"01000-02000 rw-p 00000000 00:00 0 [heap]", 0x1000, 0x2000, 0, false,
                 MappingKind::kPseudo, "[heap]", false, "[heap]"},
        MapsCase{"7ffc0000-7ffd0000 rw-p 00000000 00:00 0 [stack]", 0x7ffc0000, 0x7ffd0000, 0,
                 false, MappingKind::kPseudo, "[stack]", false, "[stack]"},
        MapsCase{"7f0000000000-7f0000001000 rwxp 00000000 00:00 0", 0x7f0000000000, 0x7f0000001000,
                 0, true, MappingKind::kAnonymous, "", false, "[anon]"},
        MapsCase{"7f0000000000-7f0000001000 r-xp 00000000 00:00 0 [anon:v8 code]", 0x7f0000000000,
                 0x7f0000001000, 0, true, MappingKind::kAnonymous, "[anon:v8 code]", false,
                 "[anon]"},
        MapsCase{"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]",
                 0xffffffffff600000, 0xffffffffff601000, 0, true, MappingKind::kPseudo,
                 "[vsyscall]", false, "[vsyscall]"},
        MapsCase{"7f00-8000 r-xs 00000000 00:01 1234 /memfd:jit (deleted)", 0x7f00, 0x8000, 0, true,
                 MappingKind::kFile, "/memfd:jit", true, "memfd:jit"}));

struct BadLine {
  const char* line;
  size_t column;
};

class MapsBadLineTest : public ::testing::TestWithParam<BadLine> {};

TEST_P(MapsBadLineTest, RejectsWithColumn) {
  MapsParseError error;
  EXPECT_FALSE(parse_maps_line(GetParam().line, &error));
  EXPECT_FALSE(error.message.empty());
  EXPECT_EQ(error.column, GetParam().column) << error.message;
}

INSTANTIATE_TEST_SUITE_P(Table, MapsBadLineTest,
                         ::testing::Values(BadLine{"", 1}, BadLine{"zz-10 r-xp 0 0:0 0", 1},
                                           BadLine{"10 r-xp", 3}, BadLine{"10-20r-xp 0 0:0 0", 6},
                                           BadLine{"20-10 r-xp 0 0:0 0", 6},
                                           BadLine{"10-20 r-x 0 0:0 0", 7},
                                           BadLine{"10-20 r-xp 0 00 0", 16},
                                           BadLine{"10-20 r-xp 0 0:0 x", 18}));

TEST(ProcMaps, ParsesWholeFileAndCountsBadLines) {
  size_t bad = 0;
  auto entries = parse_maps(
      "1000-2000 r-xp 00000000 08:01 5 /bin/a\n"
      "garbage line\n"
      "\n"
      "3000-4000 rw-p 00000000 00:00 0\n",
      &bad);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(bad, 1u);
  EXPECT_EQ(entries[0].path, "/bin/a");
  EXPECT_EQ(entries[0].dev_major, 8u);
  EXPECT_EQ(entries[0].inode, 5u);
  EXPECT_EQ(entries[1].kind, MappingKind::kAnonymous);
}

}  // namespace
}  // namespace ksight::symbolizer
