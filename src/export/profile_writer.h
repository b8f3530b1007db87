#pragma once
// Writing a symbolized profile::Profile in the formats `ksight profile -o`
// offers. Each format is one ProfileWriter behind make_writer(); adding a
// format is adding a writer and a line in the format table.
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "profile/profile.h"

namespace ksight::exporter {

enum class ProfileFormat {
  kPprof,   // gzip'd pprof profile.proto
  kFolded,  // Brendan Gregg's collapsed stacks: "root;frame;leaf count"
  kSvg,     // self-contained interactive flame graph
};

struct WriteOptions {
  std::string title;        // SVG title; empty: "Flame Graph"
  bool show_lines = false;  // folded/SVG frames as "func (file:line)"
  // Sample type to fold/draw (e.g. "samples", "cpu"); empty: "samples" when
  // the profile has it (folded tools call the numbers samples), else its
  // default_sample_type, else the first. pprof keeps them all.
  std::string value_type;
};

// The format for an output path from its extension (.pb.gz, .pprof, .pb →
// pprof; .folded, .collapsed, .txt → folded; .svg → svg), or nullopt.
std::optional<ProfileFormat> format_from_extension(const std::string& path);

// The format for a --format value ("pprof", "folded", "svg"; a few aliases
// such as "collapsed" and "flamegraph"), or nullopt.
std::optional<ProfileFormat> parse_format(const std::string& name);

// The canonical name of `format` ("pprof", "folded", "svg").
const char* format_name(ProfileFormat format);

class ProfileWriter {
 public:
  virtual ~ProfileWriter() = default;
  // Writes `profile` to `out`. Throws ksight::Error on bad options (such as
  // an unknown value_type); stream failures are left to the caller.
  virtual void write(const profile::Profile& profile, std::ostream& out,
                     const WriteOptions& options) const = 0;
};

std::unique_ptr<ProfileWriter> make_writer(ProfileFormat format);

void write_profile(const profile::Profile& profile, ProfileFormat format, std::ostream& out,
                   const WriteOptions& options = {});

std::string write_profile_to_string(const profile::Profile& profile, ProfileFormat format,
                                    const WriteOptions& options = {});

// Writes to `path` through a temporary file in the same directory renamed
// into place, so a failure never leaves a partial file. Throws ksight::Error
// naming the path when it cannot be written.
void write_profile_file(const profile::Profile& profile, ProfileFormat format,
                        const std::string& path, const WriteOptions& options = {});

// Throws ksight::Error unless `path` can be created (its directory exists and
// is writable, and it is not a directory): the CLI checks this before sampling.
void check_output_path(const std::string& path);

}  // namespace ksight::exporter
