// Output formatting: printf records, map printing and histograms in
// bpftrace's text layout, and JSON.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>

#include "trace/runtime/map_reader.h"
#include "trace/runtime/output.h"

namespace ksight::trace::runtime {
namespace {

class FakeSymbols : public SymbolSource {
 public:
  std::string kernel_symbol(uint64_t addr, bool off) override {
    return "ksym_" + std::to_string(addr) + (off ? "+" + std::to_string(addr % 16) : "");
  }
  std::string user_symbol(uint32_t pid, uint64_t addr, bool off) override {
    return "usym_" + std::to_string(pid) + "_" + std::to_string(addr) +
           (off ? "+" + std::to_string(addr % 16) : "");
  }
  std::string user_module(uint32_t pid, uint64_t) override {
    return "/bin/p" + std::to_string(pid);
  }
  // Stack 7 has 3 frames; a map keeping fewer returns fewer, as the kernel.
  std::vector<uint64_t> stack(bool, uint32_t frames, int32_t id) override {
    std::vector<uint64_t> all = {0xffffffff81000010, 0xffffffff81000021, 0xffffffff81000032};
    if (id != 7) return {};
    if (frames < all.size()) all.resize(frames);
    return all;
  }
};

std::vector<uint8_t> bytes_of(std::initializer_list<int64_t> values) {
  std::vector<uint8_t> out(values.size() * 8);
  size_t i = 0;
  for (int64_t v : values) std::memcpy(out.data() + 8 * i++, &v, 8);
  return out;
}

std::vector<uint8_t> str_key(const std::string& s, size_t size) {
  std::vector<uint8_t> out(size, 0);
  std::memcpy(out.data(), s.data(), std::min(s.size(), size));
  return out;
}

TEST(TraceOutput, PrintfConversions) {
  FormatInfo f;
  f.format = "%s|%-6s|%5d|%x|%lu|%llu|%c%%\n";
  ast::Type s16 = ast::Type::string(16);
  uint32_t off = 8;
  for (ast::Type t : {s16, s16, ast::Type::integer(), ast::Type::integer(), ast::Type::integer(),
                      ast::Type::integer(), ast::Type::integer()}) {
    f.args.push_back({t, off});
    off += value_size_of(t);
  }
  std::vector<uint8_t> data = str_key("bash", 16);
  auto b = str_key("ls", 16);
  data.insert(data.end(), b.begin(), b.end());
  auto ints = bytes_of({-42, 255, 7, -1, 'A'});
  data.insert(data.end(), ints.begin(), ints.end());
  FakeSymbols sym;
  EXPECT_EQ(format_printf(f, parse_format(f.format), data, sym),
            "bash|ls    |  -42|ff|7|18446744073709551615|A%\n");
}

TEST(TraceOutput, CountMapSortedByValue) {
  MapInfo m;
  m.name = "@";
  m.key_types = {ast::Type::string(16)};
  m.value = ast::Type::of(ast::TypeKind::kCount, 8);
  std::vector<MapEntry> entries(3);
  entries[0].key = str_key("sshd", 16);
  entries[0].value = 10;
  entries[1].key = str_key("bash", 16);
  entries[1].value = 5;
  entries[2].key = str_key("cat", 16);
  entries[2].value = 7;
  std::ostringstream out;
  FakeSymbols sym;
  print_map(out, m, entries, OutputFormat::kText, sym);
  // bpftrace 0.17: a count map's lines with no blank line after them.
  EXPECT_EQ(out.str(), "@[bash]: 5\n@[cat]: 7\n@[sshd]: 10\n");
  std::ostringstream json;
  print_map(json, m, entries, OutputFormat::kJson, sym);
  EXPECT_EQ(json.str(),
            "{\"type\": \"map\", \"data\": {\"@\": {\"bash\": 5, \"cat\": 7, \"sshd\": 10}}}\n");
}

TEST(TraceOutput, HistogramLikeBpftrace) {
  MapInfo m;
  m.name = "@bytes";
  m.value = ast::Type::of(ast::TypeKind::kHist, 8);
  // bucket 1 = [0], 2 = [1], 4 = [4, 8), 12 = [1K, 2K)
  std::map<int64_t, uint64_t> buckets = {{1, 2}, {2, 4}, {4, 1}, {12, 1}};
  std::string text = format_hist(m, buckets);
  std::istringstream lines(text);
  std::string line;
  std::vector<std::string> all;
  while (std::getline(lines, line)) all.push_back(line);
  ASSERT_EQ(all.size(), 12u);  // buckets 1..12, zeros in between included
  EXPECT_EQ(all[0],
            "[0]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |");
  EXPECT_EQ(all[1],
            "[1]                    4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|");
  EXPECT_EQ(all[2],
            "[2, 4)                 0 |                                                    |");
  EXPECT_EQ(all[3],
            "[4, 8)                 1 |@@@@@@@@@@@@@                                       |");
  EXPECT_EQ(all[11].substr(0, 24), "[1K, 2K)               1");
  EXPECT_EQ(size_label(4u << 20), "4M");
  EXPECT_EQ(size_label(1536), "1536");
}

TEST(TraceOutput, LinearHistogramLabels) {
  MapInfo m;
  m.name = "@l";
  m.value = ast::Type::of(ast::TypeKind::kLhist, 8);
  m.lhist_min = 0;
  m.lhist_max = 100;
  m.lhist_step = 10;
  std::string text = format_hist(m, {{0, 1}, {1, 3}, {11, 2}});
  EXPECT_EQ(text.substr(0, 8), "(..., 0)");
  EXPECT_NE(text.find("\n[0, 10)                3 |"), std::string::npos) << text;
  EXPECT_NE(text.find("\n[100, ...)             2 |"), std::string::npos) << text;
}

TEST(TraceOutput, StatsAvgStacksAndKeys) {
  FakeSymbols sym;
  MapInfo stats;
  stats.name = "@s";
  stats.value = ast::Type::of(ast::TypeKind::kStats, 16);
  MapEntry e;
  e.key = bytes_of({0});
  e.count = 4;
  e.total = 10;
  std::ostringstream out;
  print_map(out, stats, {e}, OutputFormat::kText, sym);
  EXPECT_EQ(out.str(), "@s: count 4, average 2, total 10\n\n");

  MapInfo stacks;
  stacks.name = "@";
  stacks.key_types = {ast::Type::of(ast::TypeKind::kKstack, 8), ast::Type::integer()};
  stacks.value = ast::Type::of(ast::TypeKind::kCount, 8);
  MapEntry s;
  s.key = bytes_of({7, -3});
  s.value = 3;
  std::ostringstream out2;
  print_map(out2, stacks, {s}, OutputFormat::kText, sym);
  // Stacks in keys are indented by 4 spaces, in values by 8 (bpftrace),
  // one "func+offset" per frame.
  auto frame = [](uint64_t a) {
    return "    ksym_" + std::to_string(a) + "+" + std::to_string(a % 16);
  };
  EXPECT_EQ(out2.str(), "@[\n" + frame(0xffffffff81000010) + "\n" + frame(0xffffffff81000021) +
                            "\n" + frame(0xffffffff81000032) + "\n, -3]: 3\n");
}

// Each expectation below is what bpftrace 0.17 prints for the same map.
TEST(TraceOutput, JsonLikeBpftrace) {
  FakeSymbols sym;
  MapInfo h;
  h.name = "@h";
  h.value = ast::Type::of(ast::TypeKind::kHist, 8);
  MapEntry he;
  he.buckets = {{0, 1}, {1, 1}, {4, 2}};  // (..., 0), [0], [4, 8)
  std::ostringstream hist;
  print_map(hist, h, {he}, OutputFormat::kJson, sym);
  EXPECT_EQ(hist.str(),
            "{\"type\": \"hist\", \"data\": {\"@h\": [{\"max\": -1, \"count\": 1}, "
            "{\"min\": 0, \"max\": 0, \"count\": 1}, {\"min\": 1, \"max\": 1, \"count\": 0}, "
            "{\"min\": 2, \"max\": 3, \"count\": 0}, {\"min\": 4, \"max\": 7, \"count\": 2}]}}\n");

  MapInfo l;
  l.name = "@l";
  l.value = ast::Type::of(ast::TypeKind::kLhist, 8);
  l.lhist_min = 0, l.lhist_max = 10, l.lhist_step = 2;
  MapEntry le;
  le.buckets = {{3, 1}, {6, 1}};  // [4, 6) and [10, ...)
  std::ostringstream lhist;
  print_map(lhist, l, {le}, OutputFormat::kJson, sym);
  EXPECT_EQ(lhist.str(),
            "{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 4, \"max\": 5, \"count\": 1}, "
            "{\"min\": 6, \"max\": 7, \"count\": 0}, {\"min\": 8, \"max\": 9, \"count\": 0}, "
            "{\"min\": 10, \"count\": 1}]}}\n");

  MapInfo st;
  st.name = "@s";
  st.key_types = {ast::Type::integer(), ast::Type::string(16)};
  st.value = ast::Type::of(ast::TypeKind::kStats, 16);
  MapEntry se;
  se.key = bytes_of({1});
  auto name = str_key("a", 16);
  se.key.insert(se.key.end(), name.begin(), name.end());
  se.count = 1, se.total = 3;
  std::ostringstream stats;
  print_map(stats, st, {se}, OutputFormat::kJson, sym);
  EXPECT_EQ(stats.str(),
            "{\"type\": \"stats\", \"data\": {\"@s\": {\"1,a\": {\"count\": 1, \"average\": 3, "
            "\"total\": 3}}}}\n");
  std::ostringstream none;
  print_map(none, st, {}, OutputFormat::kJson, sym);
  EXPECT_EQ(none.str(), "");
}

TEST(TraceOutput, TextSpacingLikeBpftrace) {
  FakeSymbols sym;
  MapInfo h;
  h.name = "@h";
  h.value = ast::Type::of(ast::TypeKind::kHist, 8);
  MapEntry he;
  he.buckets = {{4, 1}};
  std::ostringstream hist;
  print_map(hist, h, {he}, OutputFormat::kText, sym);
  EXPECT_EQ(hist.str(), "@h: \n[4, 8)                 1 |" + std::string(52, '@') + "|\n\n");

  MapInfo a;
  a.name = "@a";
  a.value = ast::Type::of(ast::TypeKind::kAvg, 16);
  MapEntry ae;
  ae.count = 2, ae.total = 11;
  std::ostringstream avg;
  print_map(avg, a, {ae}, OutputFormat::kText, sym);
  EXPECT_EQ(avg.str(), "@a: 5\n\n");
  std::ostringstream empty;
  print_map(empty, a, {}, OutputFormat::kText, sym);
  EXPECT_EQ(empty.str(), "\n");
}

MapInfo map_of(const std::string& name, ast::Type value, std::vector<ast::Type> keys = {}) {
  MapInfo m;
  m.name = name;
  m.value = value;
  m.key_types = std::move(keys);
  return m;
}

MapEntry int_entry(int64_t key, int64_t value) {
  MapEntry e;
  e.key = bytes_of({key});
  e.value = value;
  return e;
}

std::string printed(const MapInfo& m, std::vector<MapEntry> entries, PrintSpec spec) {
  FakeSymbols sym;
  std::ostringstream out;
  print_map(out, m, std::move(entries), OutputFormat::kText, sym, spec);
  return out.str();
}

// Expectations are bpftrace 0.17's output for the same maps.
TEST(TraceOutput, PrintTopAndDiv) {
  MapInfo x = map_of("@x", ast::Type::integer(), {ast::Type::integer()});
  std::vector<MapEntry> xs = {int_entry(1, 10), int_entry(2, 20), int_entry(3, 30),
                              int_entry(4, 45)};
  EXPECT_EQ(printed(x, xs, {0, 2, 0}), "@x[3]: 30\n@x[4]: 45\n");
  EXPECT_EQ(printed(x, xs, {0, 2, 10}), "@x[3]: 3\n@x[4]: 4\n");
  EXPECT_EQ(printed(x, xs, {0, 0, 10}), "@x[1]: 1\n@x[2]: 2\n@x[3]: 3\n@x[4]: 4\n");
  MapInfo sum = map_of("@n", ast::Type::of(ast::TypeKind::kSum, 8));
  EXPECT_EQ(printed(sum, {int_entry(0, -7)}, {0, 0, 2}), "@n: -3\n");  // C division
  MapInfo avg = map_of("@a", ast::Type::of(ast::TypeKind::kAvg, 16), {ast::Type::integer()});
  MapEntry ae = int_entry(1, 0);
  ae.count = 1, ae.total = 10;
  EXPECT_EQ(printed(avg, {ae}, {0, 1, 2}), "@a[1]: 5\n\n");
  MapInfo stats = map_of("@st", ast::Type::of(ast::TypeKind::kStats, 16), {ast::Type::integer()});
  EXPECT_EQ(printed(stats, {ae}, {0, 1, 2}), "@st[1]: count 1, average 10, total 10\n\n");
  // A histogram's counts are divided, its bars drawn from the counts.
  MapInfo h = map_of("@h", ast::Type::of(ast::TypeKind::kHist, 8), {ast::Type::integer()});
  MapEntry small = int_entry(1, 0), big = int_entry(2, 0);
  small.buckets = {{4, 3}, {5, 1}};
  big.buckets = {{8, 1}, {9, 4}};
  EXPECT_EQ(printed(h, {small, big}, {0, 1, 2}),
            "@h[2]: \n[64, 128)              0 |" + std::string(13, '@') + std::string(39, ' ') +
                "|\n[128, 256)             2 |" + std::string(52, '@') + "|\n\n");
  EXPECT_EQ(printed(h, {small}, {0, 0, 2}),
            "@h[1]: \n[4, 8)                 1 |" + std::string(52, '@') +
                "|\n[8, 16)                0 |" + std::string(17, '@') + std::string(35, ' ') +
                "|\n\n");
}

FormatInfo format_of(const std::string& fmt, std::vector<ast::Type> types) {
  FormatInfo f;
  f.format = fmt;
  uint32_t off = 8;
  for (const auto& t : types) {
    f.args.push_back({t, off});
    off += value_size_of(t);
  }
  return f;
}

std::string printf_of(const FormatInfo& f, const std::vector<uint8_t>& data) {
  FakeSymbols sym;
  return format_printf(f, parse_format(f.format), data, sym);
}

// %d/%u/%x without a length modifier read an argument of 4 bytes or less
// as C's int does (bpftrace 0.17 agrees); 64-bit values print whole.
TEST(TraceOutput, PrintfIntegerWidthsAsC) {
  using ast::Type;
  auto f =
      format_of("%d %u %x %u %d %d %hd %hhu %lu %d\n",
                {Type::integer(false, 4), Type::integer(true, 4), Type::integer(true, 4),
                 Type::integer(false, 1), Type::integer(true, 1), Type::integer(), Type::integer(),
                 Type::integer(), Type::integer(true, 4), Type::integer(true, 2)});
  auto data = bytes_of({0xffffffff, -1, -1, 255, -1, 5000000000, 0x18000, 0x1ff, -1, -2});
  EXPECT_EQ(printf_of(f, data),
            "-1 4294967295 ffffffff 255 -1 5000000000 -32768 255 18446744073709551615 -2\n");
}

TEST(TraceOutput, NtopAndWallTime) {
  FakeSymbols sym;
  ast::Type inet = ast::Type::of(ast::TypeKind::kInet, 24);
  auto v4 = bytes_of({2, 0x0100007f, 0});
  EXPECT_EQ(format_value(inet, v4.data(), sym, false), "127.0.0.1");
  auto v6 = bytes_of({10, 0, 0x0100000000000000});  // ::1
  EXPECT_EQ(format_value(inet, v6.data(), sym, false), "::1");
  auto mapped = bytes_of({10, 0, static_cast<int64_t>(0x0100007fffff0000)});
  EXPECT_EQ(format_value(inet, mapped.data(), sym, false), "::ffff:127.0.0.1");
  auto as_v6 = bytes_of({10, 0x0100007f, 0});  // ntop(10, 0x0100007f)
  EXPECT_EQ(format_value(inet, as_v6.data(), sym, false), "7f00:1::");
  auto other = bytes_of({3, 1, 0});
  EXPECT_EQ(format_value(inet, other.data(), sym, false), "");

  setenv("TZ", "UTC", 1);
  tzset();
  int64_t ns = 1700000000123456789;
  EXPECT_EQ(format_wall_time("%Y-%m-%d %H:%M:%S.%f", ns), "2023-11-14 22:13:20.123456");
  EXPECT_EQ(format_wall_time("%%f %H", ns), "%f 22");
  // strftime() values are CLOCK_MONOTONIC ns: shifted to Unix time.
  ast::Type t = ast::Type::of(ast::TypeKind::kStrftime, 8);
  t.time_format = "%Y";
  auto mono = bytes_of({ns - monotonic_to_unix_offset_ns()});
  EXPECT_EQ(format_value(t, mono.data(), sym, false), "2023");
}

TEST(TraceOutput, StackModesAndLimits) {
  FakeSymbols sym;
  ast::Type perf = ast::Type::of(ast::TypeKind::kKstack, 8);
  perf.stack_mode = ast::StackMode::kPerf;
  perf.stack_frames = 2;
  auto id = bytes_of({7});
  EXPECT_EQ(format_value(perf, id.data(), sym, false),
            "\n\tffffffff81000010 ksym_" + std::to_string(0xffffffff81000010) +
                "+0\n\tffffffff81000021 ksym_" + std::to_string(0xffffffff81000021) + "+1\n");
  ast::Type user = ast::Type::of(ast::TypeKind::kUstack, 8);
  user.stack_mode = ast::StackMode::kPerf;
  user.stack_frames = 1;
  auto packed = bytes_of({(int64_t{42} << 32) | 7});
  EXPECT_EQ(
      format_value(user, packed.data(), sym, false),
      "\n\tffffffff81000010 usym_42_" + std::to_string(0xffffffff81000010) + "+0 (/bin/p42)\n");
  ast::Type one = ast::Type::of(ast::TypeKind::kKstack, 8);
  one.stack_frames = 1;
  EXPECT_EQ(format_value(one, id.data(), sym, false),
            "\n        ksym_" + std::to_string(0xffffffff81000010) + "+0\n");
}

TEST(TraceOutput, PerCpuValuesCombine) {
  MapInfo m;
  m.value = ast::Type::of(ast::TypeKind::kMax, 16);
  // cpu0: {5, set}, cpu1: {99, unset}, cpu2: {9, set}
  auto values = bytes_of({5, 1, 99, 0, 9, 1});
  MapEntry e;
  combine_percpu(m, values.data(), 3, e, 0);
  EXPECT_EQ(e.value, 9);
  m.value = ast::Type::of(ast::TypeKind::kMin, 16);
  MapEntry e2;
  combine_percpu(m, values.data(), 3, e2, 0);
  EXPECT_EQ(e2.value, 5);
  m.value = ast::Type::of(ast::TypeKind::kAvg, 16);
  MapEntry e3;
  combine_percpu(m, values.data(), 3, e3, 0);
  EXPECT_EQ(e3.count, 5 + 99 + 9);
  EXPECT_EQ(e3.total, 2);
}

}  // namespace
}  // namespace ksight::trace::runtime
