#include "synthetic_profile.h"

#include <string>

namespace ksight::testing {
namespace {

profile::Mapping mapping(uint64_t id, uint64_t start, uint64_t limit, uint64_t offset,
                         const std::string& file, const std::string& build_id, bool kernel) {
  profile::Mapping m;
  m.id = id;
  m.start = start;
  m.limit = limit;
  m.file_offset = offset;
  m.file = file;
  m.build_id = build_id;
  m.kernel = kernel;
  m.has_functions = true;
  m.has_filenames = !kernel;
  m.has_line_numbers = !kernel;
  m.has_inline_frames = id == 1;
  return m;
}

profile::Location location(uint64_t id, uint64_t mapping_id, uint64_t address,
                           std::vector<profile::Line> lines, bool kernel = false) {
  profile::Location loc;
  loc.id = id;
  loc.mapping_id = mapping_id;
  loc.address = address;
  loc.lines = std::move(lines);
  loc.kernel = kernel;
  return loc;
}

profile::Label str_label(const std::string& key, const std::string& value) {
  profile::Label l;
  l.key = key;
  l.str = value;
  return l;
}

profile::Label num_label(const std::string& key, int64_t value, const std::string& unit = "") {
  profile::Label l;
  l.key = key;
  l.num = value;
  l.num_unit = unit;
  l.is_num = true;
  return l;
}

profile::Sample sample(std::vector<uint64_t> stack, int64_t count, const std::string& comm,
                       int64_t pid) {
  profile::Sample s;
  s.location_ids = std::move(stack);
  s.values = {count, count * kSyntheticPeriod};
  s.labels = {str_label("comm", comm), num_label("pid", pid)};
  return s;
}

}  // namespace

profile::Profile synthetic_profile() {
  profile::Profile p;
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.period_type = {"cpu", "nanoseconds"};
  p.period = kSyntheticPeriod;
  p.time_nanos = 1'700'000'000'000'000'000;
  p.duration_nanos = 10'000'000'000;
  p.default_sample_type = "cpu";
  p.comments = {"ksight synthetic profile", "frequency: 99 Hz"};
  p.mappings = {
      mapping(1, 0x400000, 0x500000, 0, "/usr/bin/app", "a1b2c3d4e5f60718", false),
      mapping(2, 0x7f0000000000, 0x7f0000200000, 0x28000, "/usr/lib/x86_64-linux-gnu/libc.so.6",
              "0123456789abcdef", false),
      mapping(3, 0xffffffff81000000, 0xffffffff83000000, 0, "[kernel.kallsyms]", "", true),
      mapping(4, 0xffffffffc0000000, 0xffffffffc0100000, 0, "[nf_tables]", "", true),
  };
  p.locations = {
      location(kMain, 1, 0x401000, {{"main", "main", "app.c", 10}}),
      location(
          kCompute, 1, 0x401100,
          {{"hot_inner", "_Z9hot_innerv", "hot.h", 5}, {"compute", "_Z7computev", "app.c", 20}}),
      location(kHotLeaf, 1, 0x401200, {{"hot_leaf", "_Z8hot_leafv", "app.c", 30}}),
      location(kLibcWrite, 2, 0x7f0000030000, {{"write", "__GI___libc_write", "", 0}}),
      location(kEntry, 3, 0xffffffff81100000, {{"entry_SYSCALL_64", "entry_SYSCALL_64", "", 0}},
               true),
      location(kKsysWrite, 3, 0xffffffff81200000, {{"ksys_write", "ksys_write", "", 0}}, true),
      location(kNftDoChain, 4, 0xffffffffc0001000, {{"nft_do_chain", "nft_do_chain", "", 0}}, true),
      location(kUnknown, 1, 0x401300, {}),
  };
  p.samples = {
      sample({kHotLeaf, kCompute, kMain}, 90, "app", 100),
      sample({kCompute, kMain}, 5, "app", 100),
      sample({kKsysWrite, kEntry, kLibcWrite, kMain}, 3, "writer", 200),
      sample({kNftDoChain}, 1, "swapper/0", 0),
      sample({kUnknown, kMain}, 1, "writer", 200),
      sample({kHotLeaf, kCompute, kMain}, 10, "app", 101),
  };
  p.samples[0].labels.push_back(num_label("cpu_time", 909090900, "nanoseconds"));
  p.samples[0].labels.push_back(str_label("container_id", "host"));
  return p;
}

}  // namespace ksight::testing
