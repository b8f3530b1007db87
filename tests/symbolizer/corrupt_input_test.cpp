// Corrupt, truncated and foreign input must be counted, never crash.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "fixture_process.h"
#include "symbolizer/dwarf_index.h"
#include "symbolizer/elf_object.h"
#include "symbolizer/loaded_object.h"

namespace ksight::symbolizer {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A file holding `bytes`, removed on destruction.
class TempFile {
 public:
  explicit TempFile(const std::string& bytes) {
    char tmpl[] = "/tmp/ksight-corrupt-XXXXXX";
    fd_ = mkstemp(tmpl);
    path_ = tmpl;
    EXPECT_EQ(write(fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  ~TempFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string path_;
};

// Parses `bytes` as an object with its DWARF and looks up a spread of
// addresses. Returns whether the ELF parse succeeded.
bool exercise(const std::string& bytes, SymbolizerStats* stats = nullptr) {
  TempFile file(bytes);
  std::string error;
  auto elf = ElfObject::read_fd(file.fd(), &error);
  if (!elf) {
    EXPECT_FALSE(error.empty());
    return false;
  }
  LoadedObject object(std::move(elf), dup(file.fd()), 64, stats);
  for (uint64_t vaddr = 0; vaddr < 0x4000; vaddr += 0x37) {
    const auto& r = object.resolve(vaddr);
    for (const auto& f : r.frames) EXPECT_FALSE(f.function.empty());
  }
  return true;
}

TEST(CorruptInput, NotElf) {
  std::string error;
  TempFile text("#!/bin/sh\necho not an ELF\n");
  EXPECT_EQ(ElfObject::read_fd(text.fd(), &error), nullptr);
  EXPECT_FALSE(error.empty());
  TempFile empty("");
  EXPECT_EQ(ElfObject::read_fd(empty.fd(), &error), nullptr);
}

TEST(CorruptInput, TruncatedBinariesAtManySizes) {
  std::string full = read_all(testing::fixture_path("fixture_pie"));
  ASSERT_GT(full.size(), 4096u);
  EXPECT_TRUE(exercise(full));
  int parsed = 0;
  for (size_t size : {size_t{4}, size_t{16}, size_t{63}, size_t{64}, size_t{100}, size_t{1000},
                      full.size() / 4, full.size() / 2, full.size() - 100, full.size() - 1}) {
    parsed += exercise(full.substr(0, size)) ? 1 : 0;
  }
  // Headers survive some truncations; whatever parses must not crash.
  EXPECT_LT(parsed, 10);
}

// Damage past the ELF header so the section table usually still parses and
// libelf/libdw read garbage symbols, relocations and DWARF.
void flip_bytes(const std::string& path, int rounds, SymbolizerStats* stats) {
  std::string full = read_all(path);
  ASSERT_FALSE(full.empty());
  std::mt19937 random(12345);
  for (int round = 0; round < rounds; ++round) {
    std::string damaged = full;
    std::uniform_int_distribution<size_t> where(64, damaged.size() - 1);
    for (int flips = 0; flips < 64; ++flips) damaged[where(random)] ^= 0x5a;
    exercise(damaged, stats);
  }
}

TEST(CorruptInput, FlippedBytesInDebugInfo) {
  SymbolizerStats stats;
  flip_bytes(testing::fixture_path("fixture_split.debug"), 40, &stats);
  // Some of the damage lands in the DWARF headers: counted, not fatal.
  EXPECT_GT(stats.dwarf_errors, 0u);
}

TEST(CorruptInput, FlippedBytesInBinaries) {
  SymbolizerStats stats;
  flip_bytes(testing::fixture_path("fixture_pie"), 40, &stats);
  flip_bytes(testing::fixture_path("libfixture_lib.so"), 40, &stats);
}

TEST(CorruptInput, DwarfIndexRejectsFilesWithoutDebugInfo) {
  std::string error;
  int fd = open(testing::fixture_path("fixture_stripped").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(DwarfIndex::open(fd, &error), nullptr);  // closes fd
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace ksight::symbolizer
