#include "symbolizer/kallsyms.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "symbolizer/elf_symbolizer.h"
#include "symbolizer/kernel_build_id.h"

namespace ksight::symbolizer {
namespace {

constexpr const char* kKallsyms =
    "ffffffff81000000 T _stext\n"
    "ffffffff81000100 t do_one_initcall\n"
    "ffffffff81000200 D some_data\n"
    "ffffffff81000300 T vfs_read\n"
    "ffffffff81000400 W weak_fn\n"
    "ffffffffc0100000 t ext4_readdir\t[ext4]\n"
    "ffffffffc0100400 T ext4_file_open\t[ext4]\n"
    "ffffffffa0000000 t bpf_prog_6deef7357e7b4530_sd_fw_egress\t[bpf]\n"
    "not a line\n";

TEST(Kallsyms, NearestLowerTextSymbol) {
  auto table = KallsymsTable::parse(kKallsyms);
  EXPECT_EQ(table.size(), 7u);  // the data symbol is dropped
  EXPECT_EQ(table.bad_lines(), 1u);
  EXPECT_FALSE(table.hidden());
  auto hit = table.lookup(0xffffffff81000250);  // after some_data, still in do_one_initcall
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->name, "do_one_initcall");
  EXPECT_EQ(hit->offset, 0x150u);
  EXPECT_EQ(hit->region->name, "");
  hit = table.lookup(0xffffffff81000300);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->name, "vfs_read");
  EXPECT_EQ(hit->offset, 0u);
}

TEST(Kallsyms, ModulesAreRegions) {
  auto table = KallsymsTable::parse(kKallsyms);
  auto hit = table.lookup(0xffffffffc0100410);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->name, "ext4_file_open");
  EXPECT_EQ(hit->region->name, "ext4");
  EXPECT_EQ(hit->region->start, 0xffffffffc0100000u);
  hit = table.lookup(0xffffffffa0000010);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->region->name, "bpf");
}

TEST(Kallsyms, AddressesOutsideRegionsAreNotGuessed) {
  auto table = KallsymsTable::parse(kKallsyms);
  EXPECT_FALSE(table.lookup(0x1000));
  EXPECT_FALSE(table.lookup(0xffffffff81000400 + KallsymsTable::kRegionSlack + 1));
  EXPECT_FALSE(table.lookup(0xffffffffc0100400 + KallsymsTable::kRegionSlack));
}

TEST(Kallsyms, AllZeroAddressesMeanHidden) {
  auto table = KallsymsTable::parse("0000000000000000 T _stext\n0000000000000000 t foo\t[mod]\n");
  EXPECT_TRUE(table.hidden());
  EXPECT_EQ(table.size(), 0u);
  EXPECT_FALSE(table.lookup(0xffffffff81000000));
}

TEST(Kallsyms, RealKallsymsParsesWithoutBadLines) {
  auto text = read_text_file("/proc/kallsyms");
  if (!text) GTEST_SKIP() << "no /proc/kallsyms";
  auto table = KallsymsTable::parse(*text);
  EXPECT_EQ(table.bad_lines(), 0u);
  EXPECT_GT(table.size(), 1000u);
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ksight-symbolizer-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name)) << text;
  }

 private:
  std::string path_;
};

SymbolizerOptions fast_kernel_options(const TempDir& dir) {
  SymbolizerOptions options;
  options.kallsyms_path = dir.file("kallsyms");
  options.modules_path = dir.file("modules");
  options.modules_check_interval = std::chrono::milliseconds(0);
  options.kallsyms_miss_reload_interval = std::chrono::milliseconds(0);
  return options;
}

std::string first_function(Symbolizer& s, uint64_t address) {
  uint64_t a[] = {address};
  return s.symbolize_kernel(a).at(0).frames.at(0).function;
}

TEST(KernelSymbolizer, FollowsModuleLoadAndUnload) {
  TempDir dir;
  dir.write("kallsyms", "ffffffff81000000 T _stext\nffffffff81000100 T vfs_read\n");
  dir.write("modules", "");
  auto symbolizer = make_symbolizer(fast_kernel_options(dir));
  EXPECT_EQ(first_function(*symbolizer, 0xffffffffc0100010), "[kernel]+0xffffffffc0100010");

  // Module loaded: /proc/modules changes and kallsyms has its symbols.
  dir.write("kallsyms",
            "ffffffff81000000 T _stext\nffffffff81000100 T vfs_read\n"
            "ffffffffc0100000 t foo_init\t[foo]\n");
  dir.write("modules", "foo 16384 0 - Live 0xffffffffc0100000\n");
  uint64_t a[] = {0xffffffffc0100010};
  auto result = symbolizer->symbolize_kernel(a).at(0);
  EXPECT_EQ(result.frames.at(0).function, "foo_init");
  ASSERT_TRUE(result.object);
  EXPECT_EQ(result.object->path, "[foo]");
  EXPECT_TRUE(result.object->kernel);

  // Unloaded, and another module took its place.
  dir.write("kallsyms",
            "ffffffff81000000 T _stext\nffffffff81000100 T vfs_read\n"
            "ffffffffc0100000 t bar_main\t[bar]\n");
  dir.write("modules", "bar 16384 0 - Live 0xffffffffc0100000\n");
  EXPECT_EQ(first_function(*symbolizer, 0xffffffffc0100010), "bar_main");
  EXPECT_GE(symbolizer->stats().kallsyms_reloads, 2u);
}

TEST(KernelSymbolizer, CoreKernelAndHiddenAddresses) {
  TempDir dir;
  dir.write("kallsyms", "ffffffff81000000 T _stext\nffffffff81000100 T vfs_read\n");
  dir.write("modules", "");
  auto symbolizer = make_symbolizer(fast_kernel_options(dir));
  uint64_t a[] = {0xffffffff81000105};
  auto result = symbolizer->symbolize_kernel(a).at(0);
  EXPECT_TRUE(result.symbol_found);
  EXPECT_EQ(result.frames.at(0).function, "vfs_read");
  EXPECT_EQ(result.object->path, "[kernel.kallsyms]");

  TempDir hidden;
  hidden.write("kallsyms", "0000000000000000 T _stext\n0000000000000000 T vfs_read\n");
  hidden.write("modules", "");
  auto blind = make_symbolizer(fast_kernel_options(hidden));
  result = blind->symbolize_kernel(a).at(0);
  EXPECT_FALSE(result.symbol_found);
  EXPECT_EQ(result.frames.at(0).function, "[kernel]+0xffffffff81000105");
  auto stats = blind->stats();
  EXPECT_TRUE(stats.kernel_addresses_hidden);
  EXPECT_EQ(stats.unknown_kernel, 1u);
  EXPECT_EQ(stats.unknown, 1u);
}

TEST(KernelSymbolizer, RealKernelResolvesItsOwnSymbols) {
  auto text = read_text_file("/proc/kallsyms");
  if (!text) GTEST_SKIP() << "no /proc/kallsyms";
  auto table = KallsymsTable::parse(*text);
  if (table.hidden()) GTEST_SKIP() << "kallsyms addresses hidden (kptr_restrict)";
  // Pick a symbol from the real table and check the full symbolizer names it.
  uint64_t address = 0;
  std::string expected;
  for (const auto& region : table.regions()) {
    if (region.name.empty()) {
      auto hit = table.lookup(region.start + 0x100);
      ASSERT_TRUE(hit);
      address = region.start + 0x100;
      expected = std::string(hit->name);
    }
  }
  auto symbolizer = make_symbolizer();
  uint64_t a[] = {address};
  EXPECT_EQ(symbolizer->symbolize_kernel(a).at(0).frames.at(0).function, expected);
}

}  // namespace
}  // namespace ksight::symbolizer

namespace ksight::symbolizer {
namespace {

std::string note(uint32_t type, std::string name, std::string desc) {
  std::string out(12, '\0');
  uint32_t header[3] = {static_cast<uint32_t>(name.size()), static_cast<uint32_t>(desc.size()),
                        type};
  std::memcpy(out.data(), header, sizeof header);
  auto pad = [](std::string s) {
    s.resize((s.size() + 3) & ~size_t{3}, '\0');
    return s;
  };
  return out + pad(name) + pad(desc);
}

TEST(KernelBuildId, FromNotes) {
  std::string id("\xe4\xf1\x8d\x9d\xc1", 5);
  std::string notes = note(6, std::string("Linux\0", 6), "abcd") +
                      note(3, std::string("GNU\0", 4), id) + note(1, "X", "");
  EXPECT_EQ(build_id_from_notes(notes), "e4f18d9dc1");
  EXPECT_EQ(build_id_from_notes(notes.substr(0, 20)), "");  // truncated
  EXPECT_EQ(build_id_from_notes(note(3, std::string("XYZ\0", 4), id)), "");
  EXPECT_EQ(build_id_from_notes(""), "");
}

TEST(KernelBuildId, RunningKernelMatchesKernelMapping) {
  auto notes = read_text_file("/sys/kernel/notes");
  if (!notes) GTEST_SKIP() << "no /sys/kernel/notes";
  std::string id = build_id_from_notes(*notes);
  ASSERT_FALSE(id.empty());
  auto table = KallsymsTable::parse(read_text_file("/proc/kallsyms").value_or(""));
  if (table.hidden() || table.size() == 0) GTEST_SKIP() << "kallsyms hidden";
  auto s = make_symbolizer();
  uint64_t a[] = {table.regions()[0].start + 0x10};
  auto r = s->symbolize_kernel(a).at(0);
  ASSERT_TRUE(r.object);
  EXPECT_EQ(r.object->path, "[kernel.kallsyms]");
  EXPECT_EQ(r.object->build_id, id);
}

}  // namespace
}  // namespace ksight::symbolizer
