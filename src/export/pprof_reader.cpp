#include "export/pprof_reader.h"

#include <fmt/format.h>

#include <fstream>
#include <istream>
#include <iterator>
#include <limits>
#include <unordered_map>

#include "common/error.h"
#include "common/gzip.h"

namespace ksight::exporter {
namespace {

namespace pb = perftools::profiles;

// Resolves string-table indices and remaps pprof ids to the model's ids.
class Reader {
 public:
  explicit Reader(const pb::Profile& in) : in_(in) {}

  profile::Profile read() {
    read_header();
    read_mappings();
    index_functions();
    read_locations();
    read_samples();
    return std::move(out_);
  }

 private:
  const std::string& str(int64_t index) const {
    if (index < 0 || index >= in_.string_table_size()) {
      throw Error(fmt::format("pprof: string index {} out of range", index));
    }
    return in_.string_table(static_cast<int>(index));
  }

  profile::ValueType value_type(const pb::ValueType& vt) const {
    return {str(vt.type()), str(vt.unit())};
  }

  void read_header() {
    if (in_.string_table_size() > 0 && !in_.string_table(0).empty()) {
      throw Error("pprof: string_table[0] must be empty");
    }
    for (const auto& vt : in_.sample_type()) out_.sample_types.push_back(value_type(vt));
    out_.period_type = value_type(in_.period_type());
    out_.period = in_.period();
    out_.time_nanos = in_.time_nanos();
    out_.duration_nanos = in_.duration_nanos();
    out_.default_sample_type = str(in_.default_sample_type());
    for (int64_t c : in_.comment()) out_.comments.push_back(str(c));
  }

  void read_mappings() {
    for (const auto& pm : in_.mapping()) {
      profile::Mapping m;
      m.id = out_.mappings.size() + 1;
      m.start = pm.memory_start();
      m.limit = pm.memory_limit();
      m.file_offset = pm.file_offset();
      m.file = str(pm.filename());
      m.build_id = str(pm.build_id());
      m.kernel = m.file == "[kernel.kallsyms]" || (m.start != 0 && is_kernel_address(m.start));
      m.has_functions = pm.has_functions();
      m.has_filenames = pm.has_filenames();
      m.has_line_numbers = pm.has_line_numbers();
      m.has_inline_frames = pm.has_inline_frames();
      if (pm.id() == 0 || !mapping_ids_.emplace(pm.id(), m.id).second) {
        throw Error(fmt::format("pprof: mapping id {} is reserved or repeated", pm.id()));
      }
      out_.mappings.push_back(std::move(m));
    }
  }

  void index_functions() {
    for (const auto& f : in_.function()) {
      if (f.id() == 0 || !functions_.emplace(f.id(), &f).second) {
        throw Error(fmt::format("pprof: function id {} is reserved or repeated", f.id()));
      }
    }
  }

  profile::Line line(const pb::Line& pl) const {
    auto it = functions_.find(pl.function_id());
    if (it == functions_.end()) {
      throw Error(fmt::format("pprof: line refers to missing function {}", pl.function_id()));
    }
    const pb::Function& f = *it->second;
    return {str(f.name()), str(f.system_name()), str(f.filename()), pl.line()};
  }

  uint64_t mapping_id(uint64_t pprof_id) const {
    if (pprof_id == 0) return 0;
    auto it = mapping_ids_.find(pprof_id);
    if (it == mapping_ids_.end()) {
      throw Error(fmt::format("pprof: location refers to missing mapping {}", pprof_id));
    }
    return it->second;
  }

  void read_locations() {
    for (const auto& pl : in_.location()) {
      profile::Location loc;
      loc.id = out_.locations.size() + 1;
      loc.mapping_id = mapping_id(pl.mapping_id());
      loc.address = pl.address();
      for (const auto& l : pl.line()) loc.lines.push_back(line(l));
      const profile::Mapping* m = out_.mapping(loc.mapping_id);
      loc.kernel = m != nullptr ? m->kernel : is_kernel_address(loc.address);
      if (pl.id() == 0 || !location_ids_.emplace(pl.id(), loc.id).second) {
        throw Error(fmt::format("pprof: location id {} is reserved or repeated", pl.id()));
      }
      out_.locations.push_back(std::move(loc));
    }
  }

  profile::Label label(const pb::Label& pl) const {
    profile::Label l;
    l.key = str(pl.key());
    // pprof tells numeric labels by a zero str index (the empty string).
    l.is_num = pl.str() == 0;
    if (l.is_num) {
      l.num = pl.num();
      l.num_unit = str(pl.num_unit());
    } else {
      l.str = str(pl.str());
    }
    return l;
  }

  void read_samples() {
    for (const auto& ps : in_.sample()) {
      profile::Sample s;
      for (uint64_t id : ps.location_id()) {
        auto it = location_ids_.find(id);
        if (it == location_ids_.end()) {
          throw Error(fmt::format("pprof: sample refers to missing location {}", id));
        }
        s.location_ids.push_back(it->second);
      }
      s.values.assign(ps.value().begin(), ps.value().end());
      if (s.values.size() != out_.sample_types.size()) {
        throw Error(fmt::format("pprof: sample has {} values for {} sample types", s.values.size(),
                                out_.sample_types.size()));
      }
      for (const auto& l : ps.label()) s.labels.push_back(label(l));
      out_.samples.push_back(std::move(s));
    }
  }

  const pb::Profile& in_;
  profile::Profile out_;
  std::unordered_map<uint64_t, uint64_t> mapping_ids_;
  std::unordered_map<uint64_t, uint64_t> location_ids_;
  std::unordered_map<uint64_t, const pb::Function*> functions_;
};

}  // namespace

bool is_kernel_address(uint64_t address) {
  return address >= 0xffff800000000000ULL;
}

profile::Profile from_pprof_proto(const pb::Profile& message) {
  return Reader(message).read();
}

profile::Profile parse_pprof(std::string_view bytes) {
  std::string raw = is_gzip(bytes) ? gzip_decompress(bytes) : std::string(bytes);
  if (raw.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw Error("pprof: profile too large");
  }
  pb::Profile message;
  if (!message.ParseFromString(raw)) throw Error("pprof: not a valid profile.proto message");
  return from_pprof_proto(message);
}

profile::Profile read_pprof(std::istream& in) {
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error("pprof: read error");
  return parse_pprof(bytes);
}

profile::Profile read_pprof_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot open {}", path));
  try {
    return read_pprof(in);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", path, e.what()));
  }
}

}  // namespace ksight::exporter
