#pragma once
// profile::Profile → pprof's profile.proto (github.com/google/pprof), the
// format `go tool pprof`, Parca, Pyroscope and Grafana read.
//
// Kernel frames are told apart by their mapping: the model names it
// "[kernel.kallsyms]" (or "[module]" for a kernel module) at kernel-space
// addresses, which pprof shows as the frame's object and never tries to
// symbolize (it skips file names starting with '[').
#include <memory>
#include <string>

#include "export/profile_writer.h"
#include "profile.pb.h"
#include "profile/profile.h"

namespace ksight::exporter {

// The uncompressed message. Strings are deduplicated (index 0 is ""),
// functions are deduplicated by (name, system_name, filename, start_line),
// and each location has one Line per inlined function, innermost first.
// Throws ksight::Error when a sample refers to a missing location or its
// value count differs from the number of sample types.
perftools::profiles::Profile to_pprof_proto(const profile::Profile& profile);

// The serialized message in one gzip member: the bytes of a .pb.gz file.
std::string encode_pprof(const profile::Profile& profile);

std::unique_ptr<ProfileWriter> make_pprof_writer();

}  // namespace ksight::exporter
