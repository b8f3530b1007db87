#pragma once
// One spilled window on disk: a pprof file (what encode_pprof writes, readable
// by `go tool pprof`) named w-<start_ns>-<seq>.pb.gz, whose first comment
// carries the series labels and the window bounds as JSON so that a restarted
// agent can index it again without a separate catalogue.
#include <cstdint>
#include <string>
#include <vector>

#include "profile/profile.h"
#include "store/labels.h"

namespace ksight::store {

struct SpilledWindow {
  Labels labels;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  uint64_t seq = 0;
  std::string path;
  uint64_t bytes = 0;
};

// Writes atomically; throws ksight::Error when the file cannot be written.
SpilledWindow write_spill(const std::string& dir, const Labels& labels, int64_t start_ns,
                          int64_t end_ns, uint64_t seq, const profile::Profile& profile);

// Reads a spilled profile back, without the metadata comment.
profile::Profile read_spill(const std::string& path);

// Every readable spill file in `dir` (others are skipped with a warning).
std::vector<SpilledWindow> scan_spill_dir(const std::string& dir);

}  // namespace ksight::store
