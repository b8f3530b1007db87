// The symbolizer against real processes: fixture programs with known
// functions, run as children and symbolized through their /proc files.
#include "symbolizer/elf_symbolizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <fmt/format.h>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "fixture_process.h"
#include "symbolizer/proc_maps.h"

namespace ksight::symbolizer {
namespace {

using ::testing::EndsWith;
using testing::fixture_path;
using testing::FixtureProcess;
using ::testing::HasSubstr;
using testing::marked_line;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

constexpr const char* kMain = "fixture_main.cpp";
constexpr const char* kLib = "fixture_lib.c";

SymbolizedAddress one(Symbolizer& s, uint32_t pid, uint64_t address) {
  uint64_t a[] = {address};
  return s.symbolize_user(pid, a).at(0);
}

// The return address minus one: inside the call instruction, as profilers
// symbolize caller frames.
uint64_t call_site(const FixtureProcess& p, const std::string& name) {
  uint64_t address = p.address(name);
  EXPECT_NE(address, 0u) << name << " not printed by the fixture";
  return address - 1;
}

SymbolizerOptions no_system_debug() {
  SymbolizerOptions options;
  options.debug_dirs = {};
  options.debuginfod = false;
  return options;
}

void expect_frame(const Frame& f, const std::string& function, const char* file, const char* mark) {
  EXPECT_EQ(f.function, function);
  EXPECT_THAT(f.file, EndsWith(file));
  EXPECT_EQ(f.line, marked_line(file, mark)) << function;
}

// Names, files, lines and inline frames of a binary with full debug info.
void expect_full_debug(Symbolizer& s, const FixtureProcess& p) {
  auto c = one(s, p.pid(), call_site(p, "c_function"));
  ASSERT_TRUE(c.symbol_found);
  ASSERT_EQ(c.frames.size(), 1u);
  expect_frame(c.frames[0], "fixture_c_function", kMain, "c_function");

  auto t = one(s, p.pid(), call_site(p, "template"));
  ASSERT_EQ(t.frames.size(), 1u);
  EXPECT_EQ(t.frames[0].function, "void* fixture::twice<int>(int)");
  EXPECT_EQ(t.frames[0].system_name, "_ZN7fixture5twiceIiEEPvT_");
  EXPECT_EQ(t.frames[0].line, marked_line(kMain, "template"));

  auto i = one(s, p.pid(), call_site(p, "inlined"));
  ASSERT_EQ(i.frames.size(), 2u) << i.frames[0].function;
  EXPECT_THAT(i.frames[0].function, HasSubstr("inlined_helper"));
  EXPECT_EQ(i.frames[0].line, marked_line(kMain, "inlined"));
  expect_frame(i.frames[1], "fixture_outer", kMain, "outer_call");

  auto m = one(s, p.pid(), call_site(p, "main"));
  ASSERT_FALSE(m.frames.empty());
  expect_frame(m.frames.back(), "main", kMain, "main");
}

void expect_library(Symbolizer& s, const FixtureProcess& p) {
  auto work = one(s, p.pid(), call_site(p, "lib_work"));
  ASSERT_TRUE(work.object);
  EXPECT_THAT(work.object->path, EndsWith("/libfixture_lib.so"));
  EXPECT_THAT(work.object->build_id, MatchesRegex("[0-9a-f]{40}"));
  ASSERT_EQ(work.frames.size(), 1u);
  expect_frame(work.frames[0], "fixture_lib_work", kLib, "lib_work");
  auto internal = one(s, p.pid(), call_site(p, "lib_internal"));
  expect_frame(internal.frames.at(0), "lib_internal", kLib, "lib_internal");
}

TEST(ElfSymbolizer, PieBinaryFunctionsLinesAndInlineFrames) {
  FixtureProcess p(fixture_path("fixture_pie"));
  ASSERT_TRUE(p.ready());
  auto s = make_symbolizer(no_system_debug());
  s->observe_process(p.pid());
  expect_full_debug(*s, p);
  expect_library(*s, p);
  auto c = one(*s, p.pid(), call_site(p, "c_function"));
  ASSERT_TRUE(c.object);
  EXPECT_THAT(c.object->path, EndsWith("/fixture_pie"));
  EXPECT_FALSE(c.object->kernel);
  EXPECT_TRUE(c.object->has_symbols);
  EXPECT_TRUE(c.object->has_debug_info);
  EXPECT_LE(c.object->start, c.address);
  EXPECT_GT(c.object->limit, c.address);
}

TEST(ElfSymbolizer, StillWorksAfterTheProcessExits) {
  FixtureProcess p(fixture_path("fixture_pie"));
  ASSERT_TRUE(p.ready());
  auto s = make_symbolizer(no_system_debug());
  const uint32_t pid = p.pid();
  s->observe_process(pid);  // the profiler does this at the first sample
  p.kill();
  ASSERT_FALSE(std::filesystem::exists("/proc/" + std::to_string(pid) + "/maps"));
  // DWARF is opened lazily, after the exit: it must come from what
  // observe_process captured.
  uint64_t a[] = {call_site(p, "c_function"), call_site(p, "inlined"), call_site(p, "lib_work")};
  auto result = s->symbolize_user(pid, a);
  ASSERT_EQ(result.size(), 3u);
  expect_frame(result[0].frames.at(0), "fixture_c_function", kMain, "c_function");
  ASSERT_EQ(result[1].frames.size(), 2u);
  expect_frame(result[1].frames[1], "fixture_outer", kMain, "outer_call");
  expect_frame(result[2].frames.at(0), "fixture_lib_work", kLib, "lib_work");
  auto stats = s->stats();
  EXPECT_EQ(stats.process_gone, 0u);
  EXPECT_EQ(stats.unknown, 0u);
  EXPECT_EQ(stats.addresses, 3u);
}

TEST(ElfSymbolizer, ProcessGoneBeforeObservedIsCountedAndKeepsAddresses) {
  FixtureProcess p(fixture_path("fixture_pie"));
  ASSERT_TRUE(p.ready());
  const uint32_t pid = p.pid();
  uint64_t address = call_site(p, "c_function");
  p.kill();
  auto s = make_symbolizer(no_system_debug());
  auto r = one(*s, pid, address);
  EXPECT_FALSE(r.symbol_found);
  EXPECT_FALSE(r.object);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.frames[0].function, fmt::format("[unknown]+0x{:x}", address));
  one(*s, pid, address);
  auto stats = s->stats();
  EXPECT_EQ(stats.process_gone, 1u);  // once per pid, not per address
  EXPECT_EQ(stats.unknown_no_mapping, 2u);
  EXPECT_EQ(stats.unknown, 2u);
}

TEST(ElfSymbolizer, NonPieBinary) {
  FixtureProcess p(fixture_path("fixture_nopie"));
  ASSERT_TRUE(p.ready());
  // Non-PIE code sits at its link address, below 4 GiB.
  EXPECT_LT(p.address("c_function"), uint64_t{1} << 32);
  auto s = make_symbolizer(no_system_debug());
  expect_full_debug(*s, p);
  expect_library(*s, p);
}

// Offset of `address` from where `file` is mapped at file offset 0: the ELF
// virtual address for PIE binaries (their first PT_LOAD is at vaddr 0).
uint64_t pie_vaddr(uint32_t pid, const std::string& file, uint64_t address) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(in, line)) {
    auto e = parse_maps_line(line);
    if (e && e->path == file && e->offset == 0) return address - e->start;
  }
  ADD_FAILURE() << file << " not mapped";
  return 0;
}

TEST(ElfSymbolizer, StrippedBinaryKeepsDynsymAndOffsets) {
  FixtureProcess p(fixture_path("fixture_stripped"));
  ASSERT_TRUE(p.ready());
  auto s = make_symbolizer(no_system_debug());
  // Exported, so in .dynsym: still named, but without a line.
  auto c = one(*s, p.pid(), call_site(p, "c_function"));
  EXPECT_TRUE(c.symbol_found);
  EXPECT_EQ(c.frames.at(0).function, "fixture_c_function");
  EXPECT_EQ(c.frames[0].line, 0u);
  EXPECT_TRUE(c.frames[0].file.empty());
  // main is not exported: module+0xoffset, the offset being the ELF vaddr.
  uint64_t main_site = call_site(p, "main");
  auto m = one(*s, p.pid(), main_site);
  EXPECT_FALSE(m.symbol_found);
  ASSERT_EQ(m.frames.size(), 1u);
  uint64_t vaddr = pie_vaddr(p.pid(), fixture_path("fixture_stripped"), main_site);
  EXPECT_EQ(m.frames[0].function, fmt::format("fixture_stripped+0x{:x}", vaddr));
  ASSERT_TRUE(m.object);
  EXPECT_THAT(m.object->path, EndsWith("fixture_stripped"));
  EXPECT_TRUE(m.object->has_symbols);  // .dynsym
  EXPECT_FALSE(m.object->has_debug_info);
  auto stats = s->stats();
  EXPECT_EQ(stats.unknown, 1u);
  EXPECT_EQ(stats.unknown_no_symbol, 1u);
}

// [start, end) of section `name` from readelf -SW.
std::pair<uint64_t, uint64_t> section_range(const std::string& file, const std::string& name) {
  FILE* pipe = popen(("readelf -SW '" + file + "'").c_str(), "r");
  char line[512];
  std::pair<uint64_t, uint64_t> range{0, 0};
  while (pipe && fgets(line, sizeof line, pipe)) {
    char section[64], type[64];
    unsigned long long address = 0, offset = 0, size = 0;
    const char* bracket = std::strchr(line, ']');
    if (bracket &&
        sscanf(bracket + 1, "%63s %63s %llx %llx %llx", section, type, &address, &offset, &size) ==
            5 &&
        name == section) {
      range = {address, address + size};
    }
  }
  if (pipe) pclose(pipe);
  return range;
}

// PLT stubs have no symbols, but .rela.plt (kept by strip) names them.
TEST(ElfSymbolizer, PltStubsAreNamedEvenWhenStripped) {
  FixtureProcess p(fixture_path("fixture_stripped"));
  ASSERT_TRUE(p.ready());
  auto [start, end] = section_range(fixture_path("fixture_stripped"), ".plt");
  ASSERT_GT(end, start);
  // Runtime = load base + vaddr; the base is where main's page is minus its vaddr.
  uint64_t main_site = call_site(p, "main");
  uint64_t base = main_site - pie_vaddr(p.pid(), fixture_path("fixture_stripped"), main_site);
  auto s = make_symbolizer(no_system_debug());
  std::vector<uint64_t> stubs;
  for (uint64_t v = start + 16; v + 16 <= end; v += 16) stubs.push_back(base + v + 4);
  std::set<std::string> names;
  for (const auto& r : s->symbolize_user(p.pid(), stubs)) {
    EXPECT_TRUE(r.symbol_found) << r.frames.at(0).function;
    names.insert(r.frames.at(0).function);
  }
  EXPECT_TRUE(names.count("fixture_lib_work@plt")) << ::testing::PrintToString(names);
  EXPECT_TRUE(names.count("printf@plt")) << ::testing::PrintToString(names);
  EXPECT_EQ(names.size(), stubs.size());  // one import per stub
}

TEST(ElfSymbolizer, SplitDebugThroughGnuDebuglink) {
  FixtureProcess p(fixture_path("fixture_split"));
  ASSERT_TRUE(p.ready());
  auto s = make_symbolizer(no_system_debug());
  expect_full_debug(*s, p);
  EXPECT_GE(s->stats().debug_files_found, 1u);
}

TEST(ElfSymbolizer, SplitDebugThroughDebuglinkInDotDebug) {
  FixtureProcess p(fixture_path("fixture_dotdebug"));
  ASSERT_TRUE(p.ready());
  auto s = make_symbolizer(no_system_debug());
  expect_full_debug(*s, p);
}

TEST(ElfSymbolizer, SplitDebugThroughDebuglinkUnderADebugDir) {
  FixtureProcess p(fixture_path("fixture_globaldebug"));
  ASSERT_TRUE(p.ready());
  SymbolizerOptions options = no_system_debug();
  options.debug_dirs = {fixture_path("globaldebug")};
  auto s = make_symbolizer(options);
  expect_full_debug(*s, p);
  // Without that directory the link leads nowhere: names, but no lines.
  auto blind = make_symbolizer(no_system_debug());
  EXPECT_EQ(one(*blind, p.pid(), call_site(p, "c_function")).frames.at(0).line, 0u);
}

TEST(ElfSymbolizer, SplitDebugThroughBuildIdDirectory) {
  FixtureProcess p(fixture_path("fixture_buildid"));
  ASSERT_TRUE(p.ready());
  SymbolizerOptions options = no_system_debug();
  options.debug_dirs = {fixture_path("debugroot")};
  auto s = make_symbolizer(options);
  // .symtab is gone too: main and the template are named from DWARF alone.
  expect_full_debug(*s, p);

  auto blind = make_symbolizer(no_system_debug());
  auto c = one(*blind, p.pid(), call_site(p, "c_function"));
  EXPECT_EQ(c.frames.at(0).function, "fixture_c_function");
  EXPECT_EQ(c.frames[0].line, 0u);
  EXPECT_FALSE(one(*blind, p.pid(), call_site(p, "main")).symbol_found);
}

TEST(ElfSymbolizer, PerfMapForJitCode) {
  FixtureProcess p(fixture_path("fixture_pie"), {"--perf-map"});
  ASSERT_TRUE(p.ready());
  auto s = make_symbolizer(no_system_debug());
  uint64_t a[] = {p.address("jit_alpha"), p.address("jit_trace"), p.address("jit_unknown")};
  auto r = s->symbolize_user(p.pid(), a);
  EXPECT_TRUE(r[0].symbol_found);
  EXPECT_EQ(r[0].frames.at(0).function, "jit_alpha");
  ASSERT_TRUE(r[0].object);
  EXPECT_EQ(r[0].object->path, "[jit]");
  EXPECT_EQ(r[1].frames.at(0).function, "LuaJIT trace #7 [script.lua:12]");
  EXPECT_FALSE(r[2].symbol_found);
  EXPECT_EQ(r[2].frames.at(0).function, "[anon]+0x200");
  EXPECT_EQ(s->stats().perf_map_symbols, 2u);
}

TEST(ElfSymbolizer, DeletedBinaryThroughMapFiles) {
  if (geteuid() != 0) GTEST_SKIP() << "/proc/PID/map_files needs CAP_SYS_ADMIN";
  char tmpl[] = "/tmp/ksight-deleted-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string copy = dir + "/doomed";
  std::filesystem::copy_file(fixture_path("fixture_pie"), copy);
  std::filesystem::permissions(copy, std::filesystem::perms::owner_all);
  FixtureProcess p(copy);
  ASSERT_TRUE(p.ready());
  std::filesystem::remove_all(dir);
  auto s = make_symbolizer(no_system_debug());
  auto c = one(*s, p.pid(), call_site(p, "c_function"));
  ASSERT_TRUE(c.object);
  EXPECT_TRUE(c.object->deleted);
  EXPECT_EQ(c.object->path, copy);
  expect_frame(c.frames.at(0), "fixture_c_function", kMain, "c_function");
}

TEST(ElfSymbolizer, ObjectsAreSharedAcrossProcessesAndBounded) {
  FixtureProcess a(fixture_path("fixture_pie"));
  FixtureProcess b(fixture_path("fixture_pie"));
  ASSERT_TRUE(a.ready() && b.ready());
  auto s = make_symbolizer(no_system_debug());
  s->observe_process(a.pid());
  auto after_first = s->stats();
  s->observe_process(b.pid());
  auto after_second = s->stats();
  EXPECT_EQ(after_second.elf_cache_entries, after_first.elf_cache_entries);
  EXPECT_EQ(after_second.elf_cache_misses, after_first.elf_cache_misses);
  EXPECT_GT(after_second.elf_cache_hits, after_first.elf_cache_hits);
  EXPECT_EQ(after_second.processes, 2u);

  SymbolizerOptions tiny = no_system_debug();
  tiny.max_objects = 1;
  tiny.max_processes = 1;
  auto bounded = make_symbolizer(tiny);
  expect_full_debug(*bounded, a);
  expect_library(*bounded, b);
  auto stats = bounded->stats();
  EXPECT_EQ(stats.elf_cache_entries, 1u);
  EXPECT_GT(stats.elf_cache_evictions, 0u);
  EXPECT_EQ(stats.processes, 1u);
}

TEST(ElfSymbolizer, ByteBudgetEvictsOldObjects) {
  FixtureProcess p(fixture_path("fixture_pie"));
  ASSERT_TRUE(p.ready());
  SymbolizerOptions options = no_system_debug();
  options.max_object_bytes = 1;  // every object is over budget: keep only the newest
  auto s = make_symbolizer(options);
  expect_full_debug(*s, p);  // objects held by the snapshot still work
  expect_library(*s, p);
  auto stats = s->stats();
  EXPECT_EQ(stats.elf_cache_entries, 1u);
  EXPECT_GT(stats.elf_cache_evictions, 0u);
  EXPECT_GT(stats.elf_cache_bytes, 1u);
}

// Without lines (the agent's default): functions are named from .symtab,
// DWARF is never opened, and the cache's accounted bytes show it.
TEST(ElfSymbolizer, WithoutLinesNamesFunctionsAndHoldsNoDwarf) {
  FixtureProcess p(fixture_path("fixture_pie"));
  ASSERT_TRUE(p.ready());
  auto with_lines = make_symbolizer(no_system_debug());
  SymbolizerOptions options = no_system_debug();
  options.lines = false;
  auto names_only = make_symbolizer(options);
  uint64_t a[] = {call_site(p, "c_function"), call_site(p, "inlined"), call_site(p, "lib_work"),
                  call_site(p, "template")};
  auto full = with_lines->symbolize_user(p.pid(), a);
  auto names = names_only->symbolize_user(p.pid(), a);
  ASSERT_EQ(names.size(), 4u);
  for (size_t i = 0; i < names.size(); ++i) {
    ASSERT_TRUE(names[i].symbol_found) << i;
    ASSERT_EQ(names[i].frames.size(), 1u) << i;  // no inline frames
    EXPECT_EQ(names[i].frames[0].function, full[i].frames.back().function) << i;
    EXPECT_EQ(names[i].frames[0].line, 0u) << i;
    EXPECT_TRUE(names[i].frames[0].file.empty()) << i;
    ASSERT_TRUE(names[i].object);
    EXPECT_FALSE(names[i].object->has_debug_info) << i;
  }
  EXPECT_EQ(names[1].frames[0].function, "fixture_outer");
  EXPECT_EQ(full[1].frames.size(), 2u);
  // The same objects are cached; the DWARF (debug sections and indexes) of
  // the main binary and the library is accounted only with lines.
  auto full_stats = with_lines->stats();
  auto names_stats = names_only->stats();
  EXPECT_EQ(names_stats.elf_cache_entries, full_stats.elf_cache_entries);
  // (Objects without .symtab, e.g. libc with /usr/lib/debug installed, still
  // get their debug file in both.)
  EXPECT_LE(names_stats.debug_files_found + 2, full_stats.debug_files_found);
  EXPECT_LT(names_stats.elf_cache_bytes, full_stats.elf_cache_bytes);
}

// Without .symtab, DWARF is the only source of names: still read then.
TEST(ElfSymbolizer, WithoutLinesStillNamesFromDwarfWhenSymtabIsGone) {
  FixtureProcess p(fixture_path("fixture_buildid"));
  ASSERT_TRUE(p.ready());
  SymbolizerOptions options = no_system_debug();
  options.debug_dirs = {fixture_path("debugroot")};
  options.lines = false;
  auto s = make_symbolizer(options);
  auto m = one(*s, p.pid(), call_site(p, "main"));
  ASSERT_TRUE(m.symbol_found);
  EXPECT_EQ(m.frames.back().function, "main");
  EXPECT_GE(s->stats().debug_files_found, 1u);
}

TEST(ElfSymbolizer, ConcurrentCallersGetConsistentAnswers) {
  FixtureProcess p(fixture_path("fixture_pie"));
  ASSERT_TRUE(p.ready());
  auto s = make_symbolizer(no_system_debug());
  std::vector<uint64_t> addresses = {call_site(p, "c_function"), call_site(p, "inlined"),
                                     call_site(p, "lib_work"), call_site(p, "main")};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (t % 2) s->observe_process(p.pid());
        auto r = s->symbolize_user(p.pid(), addresses);
        wrong += r.at(0).frames.at(0).function != "fixture_c_function";
        wrong += r.at(1).frames.size() != 2;
        wrong += r.at(2).frames.at(0).function != "fixture_lib_work";
        uint64_t k[] = {0};
        s->symbolize_kernel(k);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(s->stats().addresses, 4u * 200u * (4u + 1u));
}

TEST(ElfSymbolizer, VdsoOfOurOwnProcess) {
  auto base = getauxval(AT_SYSINFO_EHDR);
  if (!base) GTEST_SKIP() << "no vDSO";
  auto s = make_symbolizer(no_system_debug());
  std::vector<uint64_t> addresses;
  uint64_t limit = 0;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    auto e = parse_maps_line(line);
    if (e && e->kind == MappingKind::kVdso) limit = e->limit;
  }
  ASSERT_GT(limit, base);
  for (uint64_t a = base; a < limit; a += 8) addresses.push_back(a);
  bool named = false;
  for (const auto& r : s->symbolize_user(getpid(), addresses)) {
    ASSERT_TRUE(r.object);
    EXPECT_EQ(r.object->path, "[vdso]");
    named |= r.symbol_found && r.frames[0].function.find("clock_gettime") != std::string::npos;
  }
  EXPECT_TRUE(named);
}

// KSIGHT_DEBUG_ROOT points the build-id/debuglink search at a debug-symbol
// volume instead of the host's /usr/lib/debug.
TEST(DefaultDebugDirs, FromKsightDebugRoot) {
  unsetenv("KSIGHT_DEBUG_ROOT");
  EXPECT_EQ(default_debug_dirs(), std::vector<std::string>{"/usr/lib/debug"});
  setenv("KSIGHT_DEBUG_ROOT", "/a::/b/c:", 1);
  EXPECT_EQ(default_debug_dirs(), (std::vector<std::string>{"/a", "/b/c"}));
  EXPECT_EQ(SymbolizerOptions{}.debug_dirs, (std::vector<std::string>{"/a", "/b/c"}));
  unsetenv("KSIGHT_DEBUG_ROOT");
}

}  // namespace
}  // namespace ksight::symbolizer
