#pragma once
// Reading aggregation maps from user space in as few syscalls as possible:
// BPF_MAP_LOOKUP_BATCH (Linux 5.6+) with a per-key fallback.
#include <cstdint>
#include <cstring>
#include <vector>

namespace ksight::agent {

// All (key, value) pairs of a map as raw bytes; values of per-CPU maps come
// back as num_cpus consecutive 8-byte-aligned slots.
struct RawEntries {
  size_t key_size = 0;
  size_t value_size = 0;  // per entry, all CPUs included
  std::vector<uint8_t> keys;
  std::vector<uint8_t> values;
  size_t count() const { return key_size ? keys.size() / key_size : 0; }
};
RawEntries dump_map(int map_fd, size_t key_size, size_t value_size, uint32_t max_entries,
                    bool per_cpu);

int possible_cpus();

// Typed view over a hash map of K → V (not per-CPU).
template <typename K, typename V>
std::vector<std::pair<K, V>> dump_hash(int map_fd, uint32_t max_entries) {
  RawEntries raw = dump_map(map_fd, sizeof(K), sizeof(V), max_entries, false);
  std::vector<std::pair<K, V>> out(raw.count());
  for (size_t i = 0; i < out.size(); ++i) {
    std::memcpy(&out[i].first, raw.keys.data() + i * sizeof(K), sizeof(K));
    std::memcpy(&out[i].second, raw.values.data() + i * sizeof(V), sizeof(V));
  }
  return out;
}

// A per-CPU array of u64, summed over CPUs: result[i] = Σcpu map[i].
std::vector<uint64_t> sum_percpu_u64_array(int map_fd, uint32_t entries);

// The frames of stack `id` in a BPF_MAP_TYPE_STACK_TRACE map of `depth`
// u64 slots, leaf first, up to the first zero; empty for a negative id
// (bpf_get_stackid's error) or a missing entry.
std::vector<uint64_t> read_stack_trace(int map_fd, int32_t id, size_t depth);

}  // namespace ksight::agent
