#include "export/profile_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/gzip.h"
#include "export/pprof_reader.h"
#include "synthetic_profile.h"

namespace ksight::exporter {
namespace {

namespace fs = std::filesystem;
using testing::synthetic_profile;

TEST(ProfileFormat, FromExtension) {
  EXPECT_EQ(format_from_extension("out.pb.gz"), ProfileFormat::kPprof);
  EXPECT_EQ(format_from_extension("/tmp/OUT.PPROF"), ProfileFormat::kPprof);
  EXPECT_EQ(format_from_extension("cpu.pb"), ProfileFormat::kPprof);
  EXPECT_EQ(format_from_extension("x.folded"), ProfileFormat::kFolded);
  EXPECT_EQ(format_from_extension("x.collapsed"), ProfileFormat::kFolded);
  EXPECT_EQ(format_from_extension("x.txt"), ProfileFormat::kFolded);
  EXPECT_EQ(format_from_extension("flame.svg"), ProfileFormat::kSvg);
  EXPECT_EQ(format_from_extension("x.json"), std::nullopt);
  EXPECT_EQ(format_from_extension(".svg"), std::nullopt);
  EXPECT_EQ(format_from_extension("noext"), std::nullopt);
}

TEST(ProfileFormat, ParseAndName) {
  EXPECT_EQ(parse_format("pprof"), ProfileFormat::kPprof);
  EXPECT_EQ(parse_format("FOLDED"), ProfileFormat::kFolded);
  EXPECT_EQ(parse_format("collapsed"), ProfileFormat::kFolded);
  EXPECT_EQ(parse_format("svg"), ProfileFormat::kSvg);
  EXPECT_EQ(parse_format("flamegraph"), ProfileFormat::kSvg);
  EXPECT_EQ(parse_format("json"), std::nullopt);
  for (auto f : {ProfileFormat::kPprof, ProfileFormat::kFolded, ProfileFormat::kSvg}) {
    EXPECT_EQ(parse_format(format_name(f)), f);
  }
  EXPECT_STREQ(format_name(ProfileFormat::kFolded), "folded");
}

TEST(ProfileWriter, EveryFormatWritesThroughTheInterface) {
  profile::Profile p = synthetic_profile();
  std::string pprof = write_profile_to_string(p, ProfileFormat::kPprof);
  EXPECT_TRUE(is_gzip(pprof));
  EXPECT_EQ(parse_pprof(pprof).samples.size(), p.samples.size());
  std::ostringstream folded;
  write_profile(p, ProfileFormat::kFolded, folded, {"", false, "samples"});
  EXPECT_NE(folded.str().find("hot_leaf 100\n"), std::string::npos);
  std::string svg = write_profile_to_string(p, ProfileFormat::kSvg);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
}

class ProfileWriterFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ksight_export_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ProfileWriterFile, WriteProfileFileLeavesOnlyTheFile) {
  std::string path = (dir_ / "cpu.pb.gz").string();
  write_profile_file(synthetic_profile(), ProfileFormat::kPprof, path);
  EXPECT_EQ(read_pprof_file(path).samples.size(), 6u);
  size_t entries = std::distance(fs::directory_iterator(dir_), fs::directory_iterator());
  EXPECT_EQ(entries, 1u);  // no temporary left behind
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::others_read, fs::perms::others_read);
}

TEST_F(ProfileWriterFile, UnwritablePathsFailWithoutPartialFiles) {
  EXPECT_THROW(check_output_path((dir_ / "missing" / "x.svg").string()), Error);
  EXPECT_THROW(check_output_path(dir_.string()), Error);
  EXPECT_THROW(write_profile_file(synthetic_profile(), ProfileFormat::kSvg,
                                  (dir_ / "missing" / "x.svg").string()),
               Error);
  EXPECT_NO_THROW(check_output_path((dir_ / "ok.svg").string()));
  // A bad option fails before anything is created.
  WriteOptions bad;
  bad.value_type = "nope";
  EXPECT_THROW(write_profile_file(synthetic_profile(), ProfileFormat::kFolded,
                                  (dir_ / "x.folded").string(), bad),
               Error);
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace ksight::exporter
