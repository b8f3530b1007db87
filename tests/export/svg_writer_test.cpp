#include "export/svg_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "export/svg_text.h"
#include "synthetic_profile.h"

namespace ksight::exporter {
namespace {

using testing::synthetic_profile;

std::string samples_svg(const profile::Profile& p = synthetic_profile()) {
  WriteOptions options;
  options.value_type = "samples";
  options.title = "CPU <profile> & \"more\"";
  return render_flame_graph(p, options);
}

// The <g> element of the frame whose title starts with `name (`.
std::string frame_element(const std::string& svg, const std::string& escaped_name) {
  auto title = svg.find("<title>" + escaped_name + " (");
  if (title == std::string::npos) return {};
  auto begin = svg.rfind("<g ", title);
  auto end = svg.find("</g>", title);
  return svg.substr(begin, end - begin);
}

std::array<int, 3> fill_of(const std::string& element) {
  std::smatch m;
  static const std::regex fill(R"re(fill="rgb\((\d+),(\d+),(\d+)\)")re");
  if (!std::regex_search(element, m, fill)) return {-1, -1, -1};
  return {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
}

bool xmllint_accepts(const std::string& svg) {
  char path[] = "/tmp/ksight_svg_test_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  if (fd < 0) return false;
  EXPECT_EQ(write(fd, svg.data(), svg.size()), static_cast<ssize_t>(svg.size()));
  close(fd);
  int rc = std::system((std::string("xmllint --noout ") + path + " 2>/dev/null").c_str());
  unlink(path);
  return rc == 0;
}

bool have_xmllint() {
  return std::system("command -v xmllint >/dev/null 2>&1") == 0;
}

TEST(SvgWriter, IsWellFormedXml) {
  if (!have_xmllint()) GTEST_SKIP() << "xmllint missing: apt-get install libxml2-utils";
  EXPECT_TRUE(xmllint_accepts(samples_svg()));
  profile::Profile nasty = synthetic_profile();
  nasty.locations[testing::kHotLeaf - 1].lines[0].function =
      std::string("bad\x01\xff\xc3(bytes]]>") + "<&>\"'";
  EXPECT_TRUE(xmllint_accepts(samples_svg(nasty)));
  profile::Profile empty;
  empty.sample_types = {{"samples", "count"}};
  EXPECT_TRUE(xmllint_accepts(render_flame_graph(empty)));
  // The check itself can fail: a broken document is rejected.
  EXPECT_FALSE(xmllint_accepts("<svg><g></svg>"));
}

TEST(SvgWriter, ContainsEveryFrame) {
  std::string svg = samples_svg();
  for (const char* name :
       {"all", "app", "writer", "swapper/0", "main", "compute", "hot_inner", "hot_leaf", "write",
        "entry_SYSCALL_64", "ksys_write", "nft_do_chain", "app+0x1300"}) {
    EXPECT_FALSE(frame_element(svg, name).empty()) << name;
  }
  // Frames are merged by path: main appears once under app and once under writer.
  size_t groups = 0;
  for (size_t pos = 0; (pos = svg.find("<g class=\"f\"", pos)) != std::string::npos; ++pos)
    ++groups;
  EXPECT_EQ(groups, 14u);
  EXPECT_NE(svg.find(R"(data-total="110")"), std::string::npos);
}

TEST(SvgWriter, TitlesCarryValuesAndPercentages) {
  std::string svg = samples_svg();
  EXPECT_NE(svg.find("<title>all (110 samples, 100.00%)</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>app (105 samples, 95.45%)</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>hot_leaf (100 samples, 90.91%)</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>writer (4 samples, 3.64%)</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>ksys_write (3 samples, 2.73%)</title>"), std::string::npos);
  // cpu is in nanoseconds: values shown as time.
  WriteOptions cpu_options;
  cpu_options.value_type = "cpu";
  std::string cpu = render_flame_graph(synthetic_profile(), cpu_options);
  EXPECT_NE(render_flame_graph(synthetic_profile()).find("<title>hot_leaf (100 samples, 90.91%)"),
            std::string::npos);
  EXPECT_NE(cpu.find("<title>hot_leaf (1.01 s, 90.91%)</title>"), std::string::npos);
}

TEST(SvgWriter, WidthsAreProportional) {
  std::string hot = frame_element(samples_svg(), "hot_leaf");
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(hot, m, std::regex(R"re(<rect x="[\d.]+" y="\d+" width="([\d.]+)")re")));
  EXPECT_NEAR(std::stod(m[1]), 1180.0 * 100 / 110, 0.01);
}

TEST(SvgWriter, EscapesNamesAndTitle) {
  profile::Profile p = synthetic_profile();
  p.locations[testing::kHotLeaf - 1].lines[0].function = "operator<<(A&, \"b\")";
  std::string svg = samples_svg(p);
  EXPECT_NE(svg.find("<title>operator&lt;&lt;(A&amp;, &quot;b&quot;) (100 samples, 90.91%)"),
            std::string::npos);
  EXPECT_EQ(svg.find("operator<<"), std::string::npos);
  EXPECT_NE(svg.find("CPU &lt;profile&gt; &amp; &quot;more&quot;"), std::string::npos);
}

TEST(SvgWriter, ColoursTellKernelUserAndProcessApart) {
  std::string svg = samples_svg();
  auto kernel = fill_of(frame_element(svg, "ksys_write"));
  auto user = fill_of(frame_element(svg, "hot_leaf"));
  auto process = fill_of(frame_element(svg, "writer"));
  auto inlined = fill_of(frame_element(svg, "hot_inner"));
  EXPECT_GT(kernel[2], kernel[0]);    // blue
  EXPECT_GT(user[0], user[2]);        // warm
  EXPECT_GT(process[2], process[1]);  // lavender
  EXPECT_GT(inlined[1], inlined[2]);  // yellow-green
  EXPECT_NE(kernel, user);
}

TEST(SvgWriter, LongNamesAreClippedToTheBox) {
  profile::Profile p = synthetic_profile();
  std::string long_name(400, 'x');
  p.locations[testing::kKsysWrite - 1].lines[0].function = long_name;
  std::string element = frame_element(samples_svg(p), long_name);
  ASSERT_FALSE(element.empty());
  // 3 of 110 samples: ~32 px, room for a few characters only.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(element, m, std::regex("<text[^>]*>([^<]*)</text>")));
  std::string shown = m[1];
  EXPECT_LT(shown.size(), 6u);
  if (!shown.empty()) {
    EXPECT_EQ(shown.substr(shown.size() - 2), "..");
  }
}

TEST(SvgWriter, InteractiveParts) {
  std::string svg = samples_svg();
  EXPECT_NE(svg.find("<script type=\"text/ecmascript\"><![CDATA["), std::string::npos);
  EXPECT_NE(svg.find("id=\"reset\""), std::string::npos);
  EXPECT_NE(svg.find(">Search</text>"), std::string::npos);
  EXPECT_NE(svg.find("id=\"details\""), std::string::npos);
  EXPECT_NE(svg.find("id=\"matched\""), std::string::npos);
  EXPECT_EQ(svg.find("http://", svg.find("<style")), std::string::npos);  // no external resources
}

TEST(SvgText, Helpers) {
  EXPECT_EQ(xml_escape("<a & 'b'>\""), "&lt;a &amp; &apos;b&apos;&gt;&quot;");
  EXPECT_EQ(sanitize_text("ok\x01\xff\xc3\xa9"), "ok ?\xc3\xa9");
  EXPECT_EQ(fit_text("abcdef", 4), "ab..");
  EXPECT_EQ(fit_text("abcd", 4), "abcd");
  EXPECT_EQ(fit_text("abcd", 2), "");
  EXPECT_EQ(fit_text("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4), "\xc3\xa9\xc3\xa9..");
  EXPECT_EQ(format_value(1500000000, {"cpu", "nanoseconds"}), "1.50 s");
  EXPECT_EQ(format_value(2500, {"cpu", "nanoseconds"}), "2.50 us");
  EXPECT_EQ(format_value(3 << 20, {"alloc_space", "bytes"}), "3.0 MiB");
  EXPECT_EQ(format_value(7, {"samples", "count"}), "7 samples");
  EXPECT_EQ(format_percent(1, 3), "33.33%");
  EXPECT_EQ(format_percent(1, 0), "0.00%");
}

}  // namespace
}  // namespace ksight::exporter
