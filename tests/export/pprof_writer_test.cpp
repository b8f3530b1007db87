// Decodes what encode_pprof() wrote with the generated protobuf classes and
// checks every field against the synthetic profile.
#include "export/pprof_writer.h"

#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "common/gzip.h"
#include "synthetic_profile.h"

namespace ksight::exporter {
namespace {

namespace pb = perftools::profiles;
using testing::synthetic_profile;

class PprofWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string bytes = encode_pprof(synthetic_profile());
    ASSERT_TRUE(is_gzip(bytes));
    ASSERT_TRUE(msg_.ParseFromString(gzip_decompress(bytes)));
  }
  const std::string& str(int64_t i) const { return msg_.string_table(static_cast<int>(i)); }
  const pb::Function& function(uint64_t id) const {
    for (const auto& f : msg_.function()) {
      if (f.id() == id) return f;
    }
    throw std::runtime_error("no function " + std::to_string(id));
  }
  std::string function_name(const pb::Line& line) const {
    return str(function(line.function_id()).name());
  }

  pb::Profile msg_;
};

TEST_F(PprofWriterTest, StringTableStartsEmptyAndHasNoDuplicates) {
  ASSERT_GT(msg_.string_table_size(), 1);
  EXPECT_EQ(msg_.string_table(0), "");
  std::set<std::string> seen(msg_.string_table().begin(), msg_.string_table().end());
  EXPECT_EQ(seen.size(), static_cast<size_t>(msg_.string_table_size()));
  EXPECT_TRUE(seen.count("main"));
  EXPECT_TRUE(seen.count("[kernel.kallsyms]"));
}

// Names and paths are bytes; profile.proto's strings are proto3 (UTF-8, as
// strict readers check): U+FFFD where the bytes are not UTF-8.
TEST(PprofWriter, StringsThatAreNotUtf8StillParse) {
  profile::Profile p = synthetic_profile();
  p.comments.push_back("comm bad\xff");
  pb::Profile back;
  ASSERT_TRUE(back.ParseFromString(gzip_decompress(encode_pprof(p))));
  std::set<std::string> strings(back.string_table().begin(), back.string_table().end());
  EXPECT_TRUE(strings.count("comm bad\xef\xbf\xbd"));
}

TEST_F(PprofWriterTest, HeaderFields) {
  ASSERT_EQ(msg_.sample_type_size(), 2);
  EXPECT_EQ(str(msg_.sample_type(0).type()), "samples");
  EXPECT_EQ(str(msg_.sample_type(0).unit()), "count");
  EXPECT_EQ(str(msg_.sample_type(1).type()), "cpu");
  EXPECT_EQ(str(msg_.sample_type(1).unit()), "nanoseconds");
  EXPECT_EQ(str(msg_.period_type().type()), "cpu");
  EXPECT_EQ(str(msg_.period_type().unit()), "nanoseconds");
  EXPECT_EQ(msg_.period(), testing::kSyntheticPeriod);
  EXPECT_EQ(msg_.time_nanos(), 1'700'000'000'000'000'000);
  EXPECT_EQ(msg_.duration_nanos(), 10'000'000'000);
  EXPECT_EQ(str(msg_.default_sample_type()), "cpu");
  ASSERT_EQ(msg_.comment_size(), 2);
  EXPECT_EQ(str(msg_.comment(0)), "ksight synthetic profile");
  EXPECT_EQ(str(msg_.comment(1)), "frequency: 99 Hz");
}

TEST_F(PprofWriterTest, Mappings) {
  ASSERT_EQ(msg_.mapping_size(), 4);
  const pb::Mapping& app = msg_.mapping(0);
  EXPECT_EQ(app.id(), 1u);
  EXPECT_EQ(app.memory_start(), 0x400000u);
  EXPECT_EQ(app.memory_limit(), 0x500000u);
  EXPECT_EQ(str(app.filename()), "/usr/bin/app");
  EXPECT_EQ(str(app.build_id()), "a1b2c3d4e5f60718");
  EXPECT_TRUE(app.has_functions());
  EXPECT_TRUE(app.has_filenames());
  EXPECT_TRUE(app.has_line_numbers());
  EXPECT_TRUE(app.has_inline_frames());
  const pb::Mapping& libc = msg_.mapping(1);
  EXPECT_EQ(libc.file_offset(), 0x28000u);
  EXPECT_FALSE(libc.has_inline_frames());
  const pb::Mapping& kernel = msg_.mapping(2);
  EXPECT_EQ(kernel.id(), 3u);
  EXPECT_EQ(str(kernel.filename()), "[kernel.kallsyms]");
  EXPECT_EQ(kernel.memory_start(), 0xffffffff81000000u);
  EXPECT_EQ(kernel.build_id(), 0);  // unknown build-id is the empty string
  EXPECT_EQ(str(msg_.mapping(3).filename()), "[nf_tables]");
}

TEST_F(PprofWriterTest, FunctionsAreDeduplicated) {
  // main, hot_inner, compute, hot_leaf, write, entry_SYSCALL_64, ksys_write, nft_do_chain.
  ASSERT_EQ(msg_.function_size(), 8);
  std::set<uint64_t> ids;
  std::set<std::string> names;
  for (const auto& f : msg_.function()) {
    EXPECT_NE(f.id(), 0u);
    ids.insert(f.id());
    names.insert(str(f.name()));
  }
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(names.size(), 8u);
  // main is referenced by five samples' stacks but appears once.
  const pb::Function& hot = function(msg_.location(testing::kHotLeaf - 1).line(0).function_id());
  EXPECT_EQ(str(hot.name()), "hot_leaf");
  EXPECT_EQ(str(hot.system_name()), "_Z8hot_leafv");
  EXPECT_EQ(str(hot.filename()), "app.c");
}

TEST_F(PprofWriterTest, LocationsKeepInlineLinesInnermostFirst) {
  ASSERT_EQ(msg_.location_size(), 8);
  for (int i = 0; i < msg_.location_size(); ++i) EXPECT_EQ(msg_.location(i).id(), i + 1u);
  const pb::Location& compute = msg_.location(testing::kCompute - 1);
  EXPECT_EQ(compute.mapping_id(), 1u);
  EXPECT_EQ(compute.address(), 0x401100u);
  ASSERT_EQ(compute.line_size(), 2);
  EXPECT_EQ(function_name(compute.line(0)), "hot_inner");
  EXPECT_EQ(compute.line(0).line(), 5);
  EXPECT_EQ(function_name(compute.line(1)), "compute");
  EXPECT_EQ(compute.line(1).line(), 20);
  const pb::Location& kernel = msg_.location(testing::kKsysWrite - 1);
  EXPECT_EQ(kernel.mapping_id(), 3u);
  EXPECT_EQ(function_name(kernel.line(0)), "ksys_write");
  EXPECT_EQ(msg_.location(testing::kUnknown - 1).line_size(), 0);
}

TEST_F(PprofWriterTest, SamplesValuesAndLabels) {
  ASSERT_EQ(msg_.sample_size(), 6);
  const pb::Sample& hot = msg_.sample(0);
  ASSERT_EQ(hot.location_id_size(), 3);
  EXPECT_EQ(hot.location_id(0), testing::kHotLeaf);  // leaf first
  EXPECT_EQ(hot.location_id(2), testing::kMain);
  ASSERT_EQ(hot.value_size(), 2);
  EXPECT_EQ(hot.value(0), 90);
  EXPECT_EQ(hot.value(1), 90 * testing::kSyntheticPeriod);
  ASSERT_EQ(hot.label_size(), 4);
  EXPECT_EQ(str(hot.label(0).key()), "comm");
  EXPECT_EQ(str(hot.label(0).str()), "app");
  EXPECT_EQ(str(hot.label(1).key()), "pid");
  EXPECT_EQ(hot.label(1).str(), 0);
  EXPECT_EQ(hot.label(1).num(), 100);
  EXPECT_EQ(str(hot.label(2).key()), "cpu_time");
  EXPECT_EQ(hot.label(2).num(), 909090900);
  EXPECT_EQ(str(hot.label(2).num_unit()), "nanoseconds");
  EXPECT_EQ(str(hot.label(3).str()), "host");
  int64_t total = 0;
  for (const auto& s : msg_.sample()) total += s.value(0);
  EXPECT_EQ(total, 110);
}

TEST(PprofWriter, EmptyProfileIsValid) {
  profile::Profile empty;
  pb::Profile msg;
  ASSERT_TRUE(msg.ParseFromString(gzip_decompress(encode_pprof(empty))));
  ASSERT_EQ(msg.string_table_size(), 1);
  EXPECT_EQ(msg.sample_size(), 0);
  EXPECT_EQ(msg.default_sample_type(), 0);
}

TEST(PprofWriter, EmptyStringLabelsAreLeftOut) {
  profile::Profile p = synthetic_profile();
  p.samples[0].labels.push_back({"container_name", "", 0, "", false});
  pb::Profile msg = to_pprof_proto(p);
  EXPECT_EQ(msg.sample(0).label_size(), 4);
}

TEST(PprofWriter, InconsistentProfilesAreRefused) {
  profile::Profile missing_location = synthetic_profile();
  missing_location.samples[1].location_ids.push_back(42);
  EXPECT_THROW(encode_pprof(missing_location), Error);
  profile::Profile short_values = synthetic_profile();
  short_values.samples[2].values.pop_back();
  EXPECT_THROW(encode_pprof(short_values), Error);
}

}  // namespace
}  // namespace ksight::exporter
