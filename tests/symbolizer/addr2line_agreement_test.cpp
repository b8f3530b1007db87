// Cross-check against binutils addr2line, the reference users reach for:
// for random addresses in real code, the number of (inline) frames, their
// files and their lines must agree. Names are not compared: addr2line -i
// prints the outer function's name on the innermost frame and mixes linkage
// and plain DWARF names; the fixture tests check names exactly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "fixture_process.h"
#include "symbolizer/elf_symbolizer.h"
#include "symbolizer/proc_maps.h"

namespace ksight::symbolizer {
namespace {

struct RefFrame {
  std::string file;  // basename
  uint32_t line = 0;
};

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// addr2line -a -f -i: "0x<addr>" then (function, file:line) pairs.
std::vector<std::vector<RefFrame>> addr2line(const std::string& file,
                                             const std::vector<uint64_t>& vaddrs) {
  std::ostringstream cmd;
  cmd << "addr2line -a -f -i -e '" << file << "'";
  for (uint64_t v : vaddrs) cmd << " 0x" << std::hex << v;
  FILE* pipe = popen(cmd.str().c_str(), "r");
  std::vector<std::vector<RefFrame>> out;
  char buffer[8192];
  bool want_function = true;
  while (pipe && fgets(buffer, sizeof buffer, pipe)) {
    std::string line(buffer);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (want_function && line.starts_with("0x")) {
      out.emplace_back();
    } else if (want_function) {
      want_function = false;  // the function name line
    } else {
      size_t colon = line.rfind(':');
      RefFrame f{base_name(line.substr(0, colon)), 0};
      try {
        f.line = static_cast<uint32_t>(std::stoul(line.substr(colon + 1)));
      } catch (const std::exception&) {
      }
      if (!out.empty()) out.back().push_back(f);
      want_function = true;
    }
  }
  if (pipe) pclose(pipe);
  return out;
}

struct Agreement {
  int compared = 0;
  int same_depth = 0;
  int same_lines = 0;
};

Agreement compare(uint32_t pid, const std::string& exe, const MapsEntry& text, size_t count) {
  std::mt19937_64 random(99);
  std::vector<uint64_t> addresses, vaddrs;
  for (size_t i = 0; i < count; ++i) {
    uint64_t a = text.start + random() % (text.limit - text.start);
    addresses.push_back(a);
    vaddrs.push_back(a - text.start + text.offset);  // PIE: vaddr == file offset
  }
  SymbolizerOptions options;
  options.debuginfod = false;
  auto ours = make_symbolizer(options)->symbolize_user(pid, addresses);
  auto ref = addr2line(exe, vaddrs);
  EXPECT_EQ(ref.size(), ours.size());
  Agreement a;
  for (size_t i = 0; i < std::min(ref.size(), ours.size()); ++i) {
    // Only where addr2line knows the function and line (not padding).
    if (ref[i].empty() || ref[i][0].line == 0) continue;
    ++a.compared;
    const auto& frames = ours[i].frames;
    if (frames.size() != ref[i].size()) {  // shown to explain a failure
      fprintf(stderr, "vaddr %lx ours:", (unsigned long)vaddrs[i]);
      for (auto& f : frames)
        fprintf(stderr, " [%s %s:%u]", f.function.substr(0, 40).c_str(), base_name(f.file).c_str(),
                f.line);
      fprintf(stderr, "\n   ref:");
      for (auto& f : ref[i]) fprintf(stderr, " [%s:%u]", f.file.c_str(), f.line);
      fprintf(stderr, "\n");
    }
    if (frames.size() != ref[i].size()) continue;
    ++a.same_depth;
    bool lines = true;
    for (size_t f = 0; f < frames.size(); ++f) {
      lines &= frames[f].line == ref[i][f].line && base_name(frames[f].file) == ref[i][f].file;
    }
    a.same_lines += lines;
  }
  return a;
}

MapsEntry text_of(uint32_t pid, const std::string& path) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  for (std::string line; std::getline(maps, line);) {
    auto e = parse_maps_line(line);
    if (e && e->executable && e->path == path) return *e;
  }
  ADD_FAILURE() << path << " has no executable mapping";
  return {};
}

void expect_agreement(const Agreement& a, int minimum_compared) {
  EXPECT_GE(a.compared, minimum_compared);
  EXPECT_GE(a.same_depth, a.compared * 98 / 100) << "inline depth differs";
  EXPECT_GE(a.same_lines, a.compared * 98 / 100) << "lines differ";
}

TEST(Addr2lineAgreement, FixtureBinary) {
  testing::FixtureProcess p(testing::fixture_path("fixture_pie"));
  ASSERT_TRUE(p.ready());
  std::string exe = testing::fixture_path("fixture_pie");
  expect_agreement(compare(p.pid(), exe, text_of(p.pid(), exe), 300), 100);
}

// This test program: tens of thousands of lines of inlined C++ (gtest,
// the standard library) compiled with -O2 -g.
TEST(Addr2lineAgreement, ThisTestProgram) {
  char buffer[4096];
  ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  ASSERT_GT(n, 0);
  std::string exe(buffer, n);
  expect_agreement(compare(getpid(), exe, text_of(getpid(), exe), 400), 200);
}

}  // namespace
}  // namespace ksight::symbolizer
