#pragma once
// pprof's profile.proto → profile::Profile: reads what encode_pprof() writes
// and profiles from other pprof producers (Go runtime, perf_to_profile, ...),
// so stored windows can be merged and served again.
//
// Ids are renumbered to the model's dense 1-based ids. Kernel mappings and
// locations are recognised by the "[kernel.kallsyms]" file name or a
// kernel-space address, since profile.proto has no kernel flag.
#include <iosfwd>
#include <string>
#include <string_view>

#include "profile.pb.h"
#include "profile/profile.h"

namespace ksight::exporter {

// Throws ksight::Error when the message refers to strings, mappings,
// functions or locations that are not in it.
profile::Profile from_pprof_proto(const perftools::profiles::Profile& message);

// Bytes of a .pb.gz (gunzipped when they start with the gzip magic) or of a
// raw serialized message. Throws ksight::Error on malformed input.
profile::Profile parse_pprof(std::string_view bytes);

profile::Profile read_pprof(std::istream& in);

// Throws ksight::Error naming `path` when it cannot be read.
profile::Profile read_pprof_file(const std::string& path);

// True for kernel-space addresses on the 64-bit architectures ksight runs on.
bool is_kernel_address(uint64_t address);

}  // namespace ksight::exporter
