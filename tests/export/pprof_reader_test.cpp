#include "export/pprof_reader.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/error.h"
#include "common/gzip.h"
#include "export/pprof_writer.h"
#include "synthetic_profile.h"

namespace ksight::exporter {
namespace {

namespace pb = perftools::profiles;
using testing::synthetic_profile;

void expect_same_mapping(const profile::Mapping& a, const profile::Mapping& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.start, b.start);
  EXPECT_EQ(a.limit, b.limit);
  EXPECT_EQ(a.file_offset, b.file_offset);
  EXPECT_EQ(a.file, b.file);
  EXPECT_EQ(a.build_id, b.build_id);
  EXPECT_EQ(a.kernel, b.kernel) << a.file;
  EXPECT_EQ(a.has_functions, b.has_functions);
  EXPECT_EQ(a.has_filenames, b.has_filenames);
  EXPECT_EQ(a.has_line_numbers, b.has_line_numbers);
  EXPECT_EQ(a.has_inline_frames, b.has_inline_frames);
}

void expect_same_location(const profile::Location& a, const profile::Location& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.mapping_id, b.mapping_id);
  EXPECT_EQ(a.address, b.address);
  EXPECT_EQ(a.kernel, b.kernel) << a.id;
  ASSERT_EQ(a.lines.size(), b.lines.size());
  for (size_t i = 0; i < a.lines.size(); ++i) {
    EXPECT_EQ(a.lines[i].function, b.lines[i].function);
    EXPECT_EQ(a.lines[i].system_name, b.lines[i].system_name);
    EXPECT_EQ(a.lines[i].file, b.lines[i].file);
    EXPECT_EQ(a.lines[i].line, b.lines[i].line);
  }
}

void expect_same_sample(const profile::Sample& a, const profile::Sample& b) {
  EXPECT_EQ(a.location_ids, b.location_ids);
  EXPECT_EQ(a.values, b.values);
  ASSERT_EQ(a.labels.size(), b.labels.size());
  for (size_t i = 0; i < a.labels.size(); ++i) {
    EXPECT_EQ(a.labels[i].key, b.labels[i].key);
    EXPECT_EQ(a.labels[i].str, b.labels[i].str);
    EXPECT_EQ(a.labels[i].num, b.labels[i].num);
    EXPECT_EQ(a.labels[i].num_unit, b.labels[i].num_unit);
    EXPECT_EQ(a.labels[i].is_num, b.labels[i].is_num);
  }
}

void expect_same_profile(const profile::Profile& a, const profile::Profile& b) {
  ASSERT_EQ(a.sample_types.size(), b.sample_types.size());
  for (size_t i = 0; i < a.sample_types.size(); ++i) {
    EXPECT_EQ(a.sample_types[i].type, b.sample_types[i].type);
    EXPECT_EQ(a.sample_types[i].unit, b.sample_types[i].unit);
  }
  EXPECT_EQ(a.period_type.type, b.period_type.type);
  EXPECT_EQ(a.period_type.unit, b.period_type.unit);
  EXPECT_EQ(a.period, b.period);
  EXPECT_EQ(a.time_nanos, b.time_nanos);
  EXPECT_EQ(a.duration_nanos, b.duration_nanos);
  EXPECT_EQ(a.default_sample_type, b.default_sample_type);
  EXPECT_EQ(a.comments, b.comments);
  ASSERT_EQ(a.mappings.size(), b.mappings.size());
  for (size_t i = 0; i < a.mappings.size(); ++i) expect_same_mapping(a.mappings[i], b.mappings[i]);
  ASSERT_EQ(a.locations.size(), b.locations.size());
  for (size_t i = 0; i < a.locations.size(); ++i) {
    expect_same_location(a.locations[i], b.locations[i]);
  }
  ASSERT_EQ(a.samples.size(), b.samples.size());
  for (size_t i = 0; i < a.samples.size(); ++i) expect_same_sample(a.samples[i], b.samples[i]);
}

TEST(PprofReader, EveryFieldRoundTrips) {
  profile::Profile original = synthetic_profile();
  std::istringstream in(encode_pprof(original));
  expect_same_profile(read_pprof(in), original);
}

TEST(PprofReader, ReadsUncompressedMessages) {
  std::string raw;
  ASSERT_TRUE(to_pprof_proto(synthetic_profile()).SerializeToString(&raw));
  profile::Profile p = parse_pprof(raw);
  EXPECT_EQ(p.samples.size(), 6u);
  EXPECT_EQ(p.location(testing::kHotLeaf).lines[0].function, "hot_leaf");
}

TEST(PprofReader, KernelFramesAreRecognised) {
  profile::Profile p = parse_pprof(encode_pprof(synthetic_profile()));
  EXPECT_TRUE(p.location(testing::kKsysWrite).kernel);
  EXPECT_TRUE(p.location(testing::kNftDoChain).kernel);
  EXPECT_FALSE(p.location(testing::kLibcWrite).kernel);
  EXPECT_FALSE(p.location(testing::kMain).kernel);
}

// A profile from another producer: sparse ids, an unmapped location.
pb::Profile foreign_profile() {
  pb::Profile m;
  for (const char* s : {"", "samples", "count", "f", "/bin/x", "comm", "x"}) m.add_string_table(s);
  auto* st = m.add_sample_type();
  st->set_type(1);
  st->set_unit(2);
  auto* map = m.add_mapping();
  map->set_id(50);
  map->set_filename(4);
  auto* fn = m.add_function();
  fn->set_id(70);
  fn->set_name(3);
  auto* loc = m.add_location();
  loc->set_id(900);
  loc->set_mapping_id(50);
  loc->add_line()->set_function_id(70);
  auto* unmapped = m.add_location();
  unmapped->set_id(901);
  unmapped->set_address(0xffffffff81000010);
  auto* s = m.add_sample();
  s->add_location_id(901);
  s->add_location_id(900);
  s->add_value(7);
  auto* label = s->add_label();
  label->set_key(5);
  label->set_str(6);
  return m;
}

TEST(PprofReader, RenumbersForeignIds) {
  profile::Profile p = from_pprof_proto(foreign_profile());
  ASSERT_EQ(p.mappings.size(), 1u);
  EXPECT_EQ(p.mappings[0].id, 1u);
  EXPECT_FALSE(p.mappings[0].kernel);
  ASSERT_EQ(p.locations.size(), 2u);
  EXPECT_EQ(p.locations[0].mapping_id, 1u);
  EXPECT_EQ(p.locations[0].lines.at(0).function, "f");
  EXPECT_EQ(p.locations[1].mapping_id, 0u);
  EXPECT_TRUE(p.locations[1].kernel);  // kernel-space address, no mapping
  ASSERT_EQ(p.samples.size(), 1u);
  EXPECT_EQ(p.samples[0].location_ids, (std::vector<uint64_t>{2, 1}));
  EXPECT_EQ(p.samples[0].label("comm"), "x");
  EXPECT_EQ(p.default_sample_type, "");
}

TEST(PprofReader, RejectsDanglingReferences) {
  pb::Profile bad_string = foreign_profile();
  bad_string.mutable_function(0)->set_name(99);
  EXPECT_THROW(from_pprof_proto(bad_string), Error);

  pb::Profile bad_location = foreign_profile();
  bad_location.mutable_sample(0)->add_location_id(5);
  EXPECT_THROW(from_pprof_proto(bad_location), Error);

  pb::Profile bad_mapping = foreign_profile();
  bad_mapping.mutable_location(0)->set_mapping_id(3);
  EXPECT_THROW(from_pprof_proto(bad_mapping), Error);

  pb::Profile bad_function = foreign_profile();
  bad_function.mutable_location(0)->mutable_line(0)->set_function_id(1);
  EXPECT_THROW(from_pprof_proto(bad_function), Error);

  pb::Profile bad_values = foreign_profile();
  bad_values.mutable_sample(0)->add_value(1);
  EXPECT_THROW(from_pprof_proto(bad_values), Error);

  pb::Profile repeated_id = foreign_profile();
  repeated_id.mutable_location(1)->set_id(900);
  EXPECT_THROW(from_pprof_proto(repeated_id), Error);
}

TEST(PprofReader, RejectsGarbage) {
  EXPECT_THROW(parse_pprof("\x1f\x8b garbage"), Error);
  EXPECT_THROW(parse_pprof(std::string("\xff\xff\xff\xff", 4)), Error);
  EXPECT_THROW(read_pprof_file("/nonexistent/ksight.pb.gz"), Error);
}

}  // namespace
}  // namespace ksight::exporter
