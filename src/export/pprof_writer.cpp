#include "export/pprof_writer.h"

#include <fmt/format.h>

#include <map>
#include <ostream>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"
#include "common/gzip.h"
#include "common/utf8_text.h"

namespace ksight::exporter {
namespace {

namespace pb = perftools::profiles;

// pprof's string table: every string once, "" at index 0 as the format requires.
class StringTable {
 public:
  explicit StringTable(pb::Profile& out) : out_(out) { intern(""); }

  int64_t intern(const std::string& s) {
    auto [it, inserted] = index_.try_emplace(s, static_cast<int64_t>(index_.size()));
    // profile.proto is proto3: its strings must be UTF-8 for strict readers
    // (protobuf-go); names and paths are bytes, so U+FFFD where they are not.
    if (inserted) out_.add_string_table(to_utf8(s));
    return it->second;
  }

 private:
  pb::Profile& out_;
  std::unordered_map<std::string, int64_t> index_;
};

class FunctionTable {
 public:
  FunctionTable(pb::Profile& out, StringTable& strings) : out_(out), strings_(strings) {}

  uint64_t id_of(const profile::Line& line) {
    Key key{strings_.intern(line.function), strings_.intern(line.system_name),
            strings_.intern(line.file), 0};
    auto [it, inserted] = ids_.try_emplace(key, ids_.size() + 1);
    if (inserted) {
      pb::Function* f = out_.add_function();
      f->set_id(it->second);
      f->set_name(std::get<0>(key));
      f->set_system_name(std::get<1>(key));
      f->set_filename(std::get<2>(key));
      f->set_start_line(std::get<3>(key));
    }
    return it->second;
  }

 private:
  using Key = std::tuple<int64_t, int64_t, int64_t, int64_t>;
  pb::Profile& out_;
  StringTable& strings_;
  std::map<Key, uint64_t> ids_;
};

void set_value_type(pb::ValueType* out, const profile::ValueType& vt, StringTable& strings) {
  out->set_type(strings.intern(vt.type));
  out->set_unit(strings.intern(vt.unit));
}

void add_header(const profile::Profile& in, pb::Profile& out, StringTable& strings) {
  for (const auto& vt : in.sample_types) set_value_type(out.add_sample_type(), vt, strings);
  if (!in.period_type.type.empty() || !in.period_type.unit.empty()) {
    set_value_type(out.mutable_period_type(), in.period_type, strings);
  }
  out.set_period(in.period);
  out.set_time_nanos(in.time_nanos);
  out.set_duration_nanos(in.duration_nanos);
  if (!in.default_sample_type.empty()) {
    out.set_default_sample_type(strings.intern(in.default_sample_type));
  }
  for (const auto& c : in.comments) out.add_comment(strings.intern(c));
}

void add_mappings(const profile::Profile& in, pb::Profile& out, StringTable& strings) {
  for (size_t i = 0; i < in.mappings.size(); ++i) {
    const profile::Mapping& m = in.mappings[i];
    pb::Mapping* pm = out.add_mapping();
    pm->set_id(m.id != 0 ? m.id : i + 1);
    pm->set_memory_start(m.start);
    pm->set_memory_limit(m.limit);
    pm->set_file_offset(m.file_offset);
    pm->set_filename(strings.intern(m.file));
    pm->set_build_id(strings.intern(m.build_id));
    pm->set_has_functions(m.has_functions);
    pm->set_has_filenames(m.has_filenames);
    pm->set_has_line_numbers(m.has_line_numbers);
    pm->set_has_inline_frames(m.has_inline_frames);
  }
}

void add_locations(const profile::Profile& in, pb::Profile& out, StringTable& strings) {
  FunctionTable functions(out, strings);
  for (size_t i = 0; i < in.locations.size(); ++i) {
    const profile::Location& loc = in.locations[i];
    pb::Location* pl = out.add_location();
    pl->set_id(loc.id != 0 ? loc.id : i + 1);
    pl->set_mapping_id(loc.mapping_id);
    pl->set_address(loc.address);
    for (const auto& line : loc.lines) {  // innermost first, as pprof wants
      pb::Line* pline = pl->add_line();
      pline->set_function_id(functions.id_of(line));
      pline->set_line(line.line);
    }
  }
}

void add_label(const profile::Label& label, pb::Sample* out, StringTable& strings) {
  pb::Label* pl = out->add_label();
  pl->set_key(strings.intern(label.key));
  if (label.is_num) {
    pl->set_num(label.num);
    if (!label.num_unit.empty()) pl->set_num_unit(strings.intern(label.num_unit));
  } else {
    pl->set_str(strings.intern(label.str));
  }
}

// pprof consumers reject a profile whose samples break these rules, so a bug
// upstream fails here, loudly, rather than as an unreadable file.
void check_sample(const profile::Sample& s, const pb::Profile& out,
                  const std::unordered_set<uint64_t>& location_ids) {
  if (s.values.size() != static_cast<size_t>(out.sample_type_size())) {
    throw Error(fmt::format("pprof: a sample has {} values for {} sample types", s.values.size(),
                            out.sample_type_size()));
  }
  for (uint64_t id : s.location_ids) {
    if (!location_ids.count(id)) {
      throw Error(fmt::format("pprof: a sample refers to missing location {}", id));
    }
  }
}

void add_samples(const profile::Profile& in, pb::Profile& out, StringTable& strings) {
  std::unordered_set<uint64_t> location_ids;
  for (const auto& loc : out.location()) location_ids.insert(loc.id());
  for (const auto& s : in.samples) {
    check_sample(s, out, location_ids);
    pb::Sample* ps = out.add_sample();
    for (uint64_t id : s.location_ids) ps->add_location_id(id);
    for (int64_t v : s.values) ps->add_value(v);
    for (const auto& label : s.labels) {
      // pprof reads a label with string index 0 as numeric; an empty string
      // label carries nothing (Sample::label() returns "" when absent).
      if (label.is_num || !label.str.empty()) add_label(label, ps, strings);
    }
  }
}

class PprofWriter : public ProfileWriter {
 public:
  void write(const profile::Profile& profile, std::ostream& out,
             const WriteOptions&) const override {
    std::string bytes = encode_pprof(profile);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
};

}  // namespace

pb::Profile to_pprof_proto(const profile::Profile& profile) {
  pb::Profile out;
  StringTable strings(out);
  add_header(profile, out, strings);
  add_mappings(profile, out, strings);
  add_locations(profile, out, strings);
  add_samples(profile, out, strings);
  return out;
}

std::string encode_pprof(const profile::Profile& profile) {
  std::string raw;
  if (!to_pprof_proto(profile).SerializeToString(&raw)) {
    throw Error("pprof: cannot serialize the profile");
  }
  return gzip_compress(raw);
}

std::unique_ptr<ProfileWriter> make_pprof_writer() {
  return std::make_unique<PprofWriter>();
}

}  // namespace ksight::exporter
