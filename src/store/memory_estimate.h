#pragma once
// What the store's windows and series really cost on the heap, so that
// store.memory_mib bounds the agent's memory and not only the payload.
//
// Why a model of the allocator and not sizes: a window of one short-lived
// process is mostly small blocks (a Location, a Sample's two vectors, its
// labels), and for those glibc's chunk header and 16-byte rounding, the
// vectors' spare capacity, the index node and the shared_ptr control block
// are as large as the data. Counting only string and element sizes undercounted
// such windows about 2x, and the per-series labels were not counted at all
// (the agent's RSS kept growing after the store reported itself full).
#include <cstddef>
#include <string>
#include <vector>

#include "profile/profile.h"
#include "store/labels.h"

namespace ksight::store {

// glibc malloc: an 8-byte header, 16-byte granularity, 32 bytes at least.
constexpr size_t heap_block(size_t requested) {
  if (requested == 0) return 0;
  size_t chunk = (requested + 8 + 15) & ~size_t{15};
  return chunk < 32 ? 32 : chunk;
}

// Heap bytes of a string's buffer (none while it fits the inline buffer).
inline size_t heap_bytes(const std::string& s) {
  return s.capacity() > 15 ? heap_block(s.capacity() + 1) : 0;
}

template <typename T>
size_t heap_bytes(const std::vector<T>& v) {
  return heap_block(v.capacity() * sizeof(T));
}

// Heap bytes of a profile (its tables, samples, labels and strings), not
// counting the Profile object itself.
size_t estimate_bytes(const profile::Profile& profile);

// A label set held once per series: its map nodes and strings.
size_t estimate_labels_bytes(const Labels& labels);

// Releases the spare capacity split_by_process and the builders leave in
// a profile's vectors (up to half of a window's bytes); returns nothing
// that a query would see differently.
void shrink_to_fit(profile::Profile& profile);

}  // namespace ksight::store
