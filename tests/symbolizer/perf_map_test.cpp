#include "symbolizer/perf_map.h"

#include <gtest/gtest.h>

#include "symbolizer/demangle.h"

namespace ksight::symbolizer {
namespace {

TEST(PerfMap, ParsesLinesWithAndWithoutPrefix) {
  auto map = PerfMap::parse(
      "7f0000001000 40 LazyCompile:~hello /app/index.js:3\n"
      "0x7f0000002000 0x10 jit_two\n"
      "bogus\n"
      "7f0000003000 zz nope\n");
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(map.bad_lines(), 2u);
  const PerfMapSymbol* s = map.lookup(0x7f000000103f);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "LazyCompile:~hello /app/index.js:3");
  EXPECT_EQ(map.lookup(0x7f0000001040), nullptr);  // one past the end
  s = map.lookup(0x7f000000200f);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "jit_two");
  EXPECT_EQ(map.lookup(0x7f0000000fff), nullptr);
}

TEST(PerfMap, LaterEntryWinsAtSameStart) {
  auto map = PerfMap::parse("1000 100 old_code\n1000 100 new_code\n");
  ASSERT_NE(map.lookup(0x1010), nullptr);
  EXPECT_EQ(map.lookup(0x1010)->name, "new_code");
}

TEST(PerfMap, NestedShorterSymbolDoesNotHideOuter) {
  auto map = PerfMap::parse("1000 1000 outer\n1100 10 inner\n");
  EXPECT_EQ(map.lookup(0x1105)->name, "inner");
  EXPECT_EQ(map.lookup(0x1500)->name, "outer");
}

TEST(Demangle, CxxNamesAndPassThrough) {
  EXPECT_EQ(demangle("_ZN7fixture5twiceIiEEPvT_"), "void* fixture::twice<int>(int)");
  EXPECT_EQ(demangle("_ZNSt6vectorIiSaIiEE9push_backERKi"),
            "std::vector<int, std::allocator<int> >::push_back(int const&)");
  EXPECT_EQ(demangle("main"), "main");
  EXPECT_EQ(demangle("_Znot a name"), "_Znot a name");
  EXPECT_EQ(demangle("_Z3foov@@LIB_1.0"), "foo()@@LIB_1.0");
  // Rust legacy mangling: the hash segment goes.
  EXPECT_EQ(demangle("_ZN4core3ptr13drop_in_place17h0123456789abcdefE"),
            "core::ptr::drop_in_place");
  EXPECT_EQ(demangle("_ZN3foo3bar17hzzzzzzzzzzzzzzzzE"), "foo::bar::hzzzzzzzzzzzzzzzz");
}

}  // namespace
}  // namespace ksight::symbolizer
