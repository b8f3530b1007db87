#pragma once
// ksight's in-memory, symbolized profile: the one model every producer (CPU
// sampler, later off-CPU and allocation profilers) builds and every writer
// (pprof, folded, SVG, the HTTP endpoints) reads. It mirrors pprof's
// profile.proto closely so that the pprof writer is a plain translation, but
// holds real strings instead of a string table.
#include <cstdint>
#include <string>
#include <vector>

namespace ksight::profile {

struct ValueType {
  std::string type;  // e.g. "samples", "cpu"
  std::string unit;  // e.g. "count", "nanoseconds"
};

// A mapped object: an ELF file mapped into a process, or the kernel image /
// a kernel module. Ids start at 1; 0 means "no mapping".
struct Mapping {
  uint64_t id = 0;
  uint64_t start = 0;        // runtime start address
  uint64_t limit = 0;        // runtime end address (exclusive)
  uint64_t file_offset = 0;  // file offset mapped at `start`
  std::string file;          // path as the process saw it, "[kernel.kallsyms]" or "[module]"
  std::string build_id;      // hex GNU build-id, empty when unknown
  bool kernel = false;
  bool has_functions = false;
  bool has_filenames = false;
  bool has_line_numbers = false;
  bool has_inline_frames = false;
};

// One source-level frame at a location. A location holds several when
// functions were inlined: innermost first, as pprof orders them.
struct Line {
  std::string function;     // demangled name; "module+0xoffset" when unknown
  std::string system_name;  // mangled name as in the symbol table
  std::string file;         // source file, empty when unknown
  int64_t line = 0;         // 0 when unknown
};

// An instruction address. Ids start at 1.
struct Location {
  uint64_t id = 0;
  uint64_t mapping_id = 0;  // 0: no mapping (anonymous memory, unknown)
  uint64_t address = 0;     // runtime address
  std::vector<Line> lines;  // innermost first; never empty once symbolized
  bool kernel = false;      // kernel frames are told apart in every output
};

struct Label {
  std::string key;
  std::string str;  // set for string labels
  int64_t num = 0;  // set for numeric labels (is_num)
  std::string num_unit;
  bool is_num = false;
};

struct Sample {
  std::vector<uint64_t> location_ids;  // leaf first, as pprof orders them
  std::vector<int64_t> values;         // one per Profile::sample_types
  std::vector<Label> labels;           // "comm" and "pid" at least

  // The string value of label `key`, or an empty string.
  const std::string& label(const std::string& key) const;
};

struct Profile {
  std::vector<ValueType> sample_types;  // e.g. {samples,count}, {cpu,nanoseconds}
  ValueType period_type;                // e.g. {cpu,nanoseconds}
  int64_t period = 0;                   // e.g. 1e9/frequency
  int64_t time_nanos = 0;               // wall-clock start (Unix epoch ns)
  int64_t duration_nanos = 0;
  std::string default_sample_type;  // e.g. "cpu"
  std::vector<Mapping> mappings;    // mapping i has id i+1
  std::vector<Location> locations;  // location i has id i+1
  std::vector<Sample> samples;
  std::vector<std::string> comments;

  const Location& location(uint64_t id) const { return locations.at(id - 1); }
  const Mapping* mapping(uint64_t id) const {
    return id == 0 || id > mappings.size() ? nullptr : &mappings[id - 1];
  }
  // Index into sample_types of `type`, or -1.
  int value_index(const std::string& type) const;
};

}  // namespace ksight::profile
