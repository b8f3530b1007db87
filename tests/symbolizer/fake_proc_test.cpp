// The symbolizer over a synthetic /proc tree (SymbolizerOptions::proc_root):
// pid reuse, maps refresh after dlopen, perf maps through the process root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fixture_process.h"
#include "symbolizer/elf_symbolizer.h"

namespace ksight::symbolizer {
namespace {

namespace fs = std::filesystem;

uint64_t symbol_vaddr(const std::string& file, const std::string& name) {
  FILE* pipe = popen(("nm '" + file + "'").c_str(), "r");
  char line[1024];
  uint64_t found = 0;
  while (pipe && fgets(line, sizeof line, pipe)) {
    unsigned long long address = 0;
    char type = 0;
    char symbol[900];
    if (sscanf(line, "%llx %c %899s", &address, &type, symbol) == 3 && name == symbol) {
      found = address;
    }
  }
  if (pipe) pclose(pipe);
  return found;
}

// <root>/<pid>/{maps,stat,status}, and <root>/<pid>/root -> "/".
class FakeProc {
 public:
  static constexpr uint32_t kPid = 4242;
  FakeProc() {
    char tmpl[] = "/tmp/ksight-fakeproc-XXXXXX";
    root_ = mkdtemp(tmpl);
    fs::create_directories(dir());
    fs::create_directory_symlink("/", dir() + "/root");
    write("status", "Name:\tfake\nNSpid:\t4242\t7\n");
  }
  ~FakeProc() { fs::remove_all(root_); }
  std::string dir() const { return root_ + "/" + std::to_string(kPid); }
  const std::string& root() const { return root_; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir() + "/" + name) << text;
  }
  void set_start_time(int ticks) const {
    std::string fields;
    for (int i = 3; i < 22; ++i) fields += " 0";
    write("stat",
          "4242 (my (odd) comm) S" + fields.substr(2) + " " + std::to_string(ticks) + " 0 0\n");
  }

 private:
  std::string root_;
};

// A PIE mapped at `base` from file offset 0x1000 on (where its text starts),
// generously sized: sanitizer builds make the fixtures larger.
std::string text_mapping(uint64_t base, const std::string& path) {
  char line[512];
  snprintf(line, sizeof line, "%lx-%lx r-xp 00001000 08:01 99 %s\n",
           static_cast<unsigned long>(base + 0x1000), static_cast<unsigned long>(base + 0x100000),
           path.c_str());
  return line;
}

SymbolizerOptions fake_options(const FakeProc& proc) {
  SymbolizerOptions options;
  options.proc_root = proc.root();
  options.debug_dirs = {};
  options.debuginfod = false;
  options.maps_refresh_interval = std::chrono::milliseconds(0);
  options.perf_map_refresh_interval = std::chrono::milliseconds(0);
  return options;
}

std::string name_at(Symbolizer& s, uint64_t address) {
  uint64_t a[] = {address};
  return s.symbolize_user(FakeProc::kPid, a).at(0).frames.at(0).function;
}

TEST(FakeProc, PidReuseGetsANewSnapshot) {
  const std::string pie = testing::fixture_path("fixture_pie");
  const std::string lib = testing::fixture_path("libfixture_lib.so");
  uint64_t c_function = symbol_vaddr(pie, "fixture_c_function");
  uint64_t lib_work = symbol_vaddr(lib, "fixture_lib_work");
  ASSERT_GE(c_function, 0x1000u);
  ASSERT_GE(lib_work, 0x1000u);
  FakeProc proc;
  proc.set_start_time(100);
  proc.write("maps", text_mapping(0x10000000, pie));
  auto s = make_symbolizer(fake_options(proc));
  s->observe_process(FakeProc::kPid);
  EXPECT_EQ(name_at(*s, 0x10000000 + c_function), "fixture_c_function");

  // The pid now belongs to another program with the library at that address.
  proc.set_start_time(200);
  proc.write("maps", text_mapping(0x10000000, lib));
  s->observe_process(FakeProc::kPid);
  EXPECT_EQ(name_at(*s, 0x10000000 + lib_work), "fixture_lib_work");
  EXPECT_EQ(s->stats().pid_reuses, 1u);
}

TEST(FakeProc, ExecveGetsANewSnapshot) {
  const std::string pie = testing::fixture_path("fixture_pie");
  const std::string lib = testing::fixture_path("libfixture_lib.so");
  FakeProc proc;
  proc.set_start_time(100);  // execve keeps the start time...
  fs::create_symlink(pie, proc.dir() + "/exe");
  proc.write("maps", text_mapping(0x10000000, pie));
  auto s = make_symbolizer(fake_options(proc));
  s->observe_process(FakeProc::kPid);
  s->observe_process(FakeProc::kPid);
  EXPECT_EQ(s->stats().pid_reuses, 0u);
  fs::remove(proc.dir() + "/exe");  // ...but not the executable
  fs::create_symlink(lib, proc.dir() + "/exe");
  proc.write("maps", text_mapping(0x10000000, lib));
  s->observe_process(FakeProc::kPid);
  EXPECT_EQ(s->stats().pid_reuses, 1u);
  EXPECT_EQ(name_at(*s, 0x10000000 + symbol_vaddr(lib, "fixture_lib_work")), "fixture_lib_work");
}

TEST(FakeProc, MapsReReadWhenAnAddressIsInNoMapping) {
  const std::string pie = testing::fixture_path("fixture_pie");
  const std::string lib = testing::fixture_path("libfixture_lib.so");
  FakeProc proc;
  proc.set_start_time(100);
  proc.write("maps", text_mapping(0x10000000, pie));
  auto s = make_symbolizer(fake_options(proc));
  s->observe_process(FakeProc::kPid);
  // dlopen: a library appears after the snapshot.
  proc.write("maps", text_mapping(0x10000000, pie) + text_mapping(0x20000000, lib));
  uint64_t lib_work = symbol_vaddr(lib, "fixture_lib_work");
  EXPECT_EQ(name_at(*s, 0x20000000 + lib_work), "fixture_lib_work");
  auto stats = s->stats();
  EXPECT_EQ(stats.maps_refreshes, 1u);
  EXPECT_EQ(stats.pid_reuses, 0u);
}

TEST(FakeProc, PerfMapNamedByNamespacePidAndReReadWhenItGrows) {
  FakeProc proc;
  proc.set_start_time(100);
  proc.write("maps", "7f0000000000-7f0000010000 r-xp 00000000 00:00 0\n");
  // NSpid says 7: the runtime wrote /tmp/perf-7.map in its own root ("/" here).
  const std::string perf_map = "/tmp/perf-7.map";
  if (fs::exists(perf_map)) GTEST_SKIP() << perf_map << " exists on this machine";
  std::ofstream(perf_map) << "7f0000000000 100 first_jit\n";
  auto s = make_symbolizer(fake_options(proc));
  EXPECT_EQ(name_at(*s, 0x7f0000000010), "first_jit");
  EXPECT_EQ(name_at(*s, 0x7f0000000210), "[anon]+0x210");
  std::ofstream(perf_map, std::ios::app) << "7f0000000200 100 later_jit\n";
  EXPECT_EQ(name_at(*s, 0x7f0000000210), "later_jit");
  EXPECT_EQ(s->stats().perf_map_symbols, 2u);
  fs::remove(perf_map);
}

TEST(FakeProc, TruncatedAndGarbageMapsAreSurvived) {
  FakeProc proc;
  proc.set_start_time(100);
  proc.write("maps", "garbage\n10000000-1000");
  auto s = make_symbolizer(fake_options(proc));
  EXPECT_EQ(name_at(*s, 0x10000010), "[unknown]+0x10000010");
  EXPECT_EQ(s->stats().unknown_no_mapping, 1u);
}

}  // namespace
}  // namespace ksight::symbolizer
