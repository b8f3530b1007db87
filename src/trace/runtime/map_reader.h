#pragma once
// Reads a user map from the kernel into MapEntry rows: per-CPU values are
// combined (sum, min, max) and histogram buckets grouped under their key.
#include <vector>

#include "trace/program_info.h"
#include "trace/runtime/output.h"

namespace ksight::trace::runtime {

std::vector<MapEntry> read_map(int fd, const MapInfo& map);
void clear_map(int fd, const MapInfo& map);
// Pids inside a ustack (high half of the u64 at `offset`) or usym (u64 at
// `offset + 8`) key field.
std::vector<uint32_t> key_pids(int fd, const MapInfo& map, size_t offset, bool usym);
void zero_map(int fd, const MapInfo& map);

// Combines raw per-CPU values (value_size * ncpus, 8-byte aligned slots)
// into `entry`. Exposed for unit tests.
void combine_percpu(const MapInfo& map, const uint8_t* values, int ncpus, MapEntry& entry,
                    int64_t bucket);

}  // namespace ksight::trace::runtime
