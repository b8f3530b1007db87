// Prints what ksight's pprof reader makes of a file, one fact a line, in a
// stable order, so the peer test can compare a profile we wrote with the same
// profile re-encoded by `go tool pprof -proto`.
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <map>
#include <set>

#include "export/folded_writer.h"
#include "export/pprof_reader.h"

namespace {

using ksight::profile::Profile;

void print_header(const Profile& p) {
  for (const auto& t : p.sample_types) fmt::print("sample_type {}/{}\n", t.type, t.unit);
  fmt::print("default_sample_type {}\n", p.default_sample_type);
  fmt::print("period {}/{} {}\n", p.period_type.type, p.period_type.unit, p.period);
  fmt::print("time_nanos {}\nduration_nanos {}\n", p.time_nanos, p.duration_nanos);
  for (const auto& c : p.comments) fmt::print("comment {}\n", c);
}

void print_mappings(const Profile& p) {
  std::set<std::string> lines;
  for (const auto& m : p.mappings) {
    lines.insert(fmt::format("mapping {} {:#x}-{:#x}+{:#x} build_id={} kernel={} functions={}",
                             m.file, m.start, m.limit, m.file_offset, m.build_id, m.kernel,
                             m.has_functions));
  }
  for (const auto& l : lines) fmt::print("{}\n", l);
}

// Totals of the first sample type per label value. Numeric labels equal to 0
// are left out: Go's pprof drops them when it decodes (it treats an all-zero
// label as absent).
void print_labels(const Profile& p) {
  std::map<std::string, int64_t> totals;
  for (const auto& s : p.samples) {
    for (const auto& l : s.labels) {
      if (l.is_num && l.num == 0) continue;
      std::string key = l.is_num ? fmt::format("{}={}{}", l.key, l.num,
                                               l.num_unit.empty() ? "" : " " + l.num_unit)
                                 : fmt::format("{}={}", l.key, l.str);
      totals[key] += s.values.empty() ? 0 : s.values[0];
    }
  }
  for (const auto& [key, total] : totals) fmt::print("label {} {}\n", key, total);
}

void print_stacks(const Profile& p) {
  for (const auto& t : p.sample_types) {
    ksight::exporter::WriteOptions options;
    options.value_type = t.type;
    options.show_lines = true;
    fmt::print("folded {}:\n{}", t.type, ksight::exporter::fold_profile(p, options));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PROFILE.pb.gz\n", argv[0]);
    return 1;
  }
  try {
    Profile p = ksight::exporter::read_pprof_file(argv[1]);
    print_header(p);
    print_mappings(p);
    print_labels(p);
    print_stacks(p);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
