#include "agent/bpf_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>

namespace ksight::agent {

int possible_cpus() {
  static const int n = [] {
    int cpus = libbpf_num_possible_cpus();
    return cpus > 0 ? cpus : 1;
  }();
  return n;
}

namespace {

RawEntries dump_by_keys(int fd, RawEntries raw) {
  std::vector<uint8_t> key(raw.key_size), next(raw.key_size), value(raw.value_size);
  void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    if (bpf_map_lookup_elem(fd, next.data(), value.data()) == 0) {
      raw.keys.insert(raw.keys.end(), next.begin(), next.end());
      raw.values.insert(raw.values.end(), value.begin(), value.end());
    }
    key = next;
    prev = key.data();
  }
  return raw;
}

}  // namespace

RawEntries dump_map(int fd, size_t key_size, size_t value_size, uint32_t max_entries,
                    bool per_cpu) {
  RawEntries raw;
  raw.key_size = key_size;
  raw.value_size = per_cpu ? ((value_size + 7) / 8 * 8) * possible_cpus() : value_size;
  raw.keys.resize(static_cast<size_t>(max_entries) * key_size);
  raw.values.resize(static_cast<size_t>(max_entries) * raw.value_size);
  uint64_t in_batch = 0, out_batch = 0;
  size_t total = 0;
  bool first = true;
  while (total < max_entries) {
    uint32_t count = max_entries - static_cast<uint32_t>(total);
    int err = bpf_map_lookup_batch(fd, first ? nullptr : &in_batch, &out_batch,
                                   raw.keys.data() + total * key_size,
                                   raw.values.data() + total * raw.value_size, &count, nullptr);
    if (err && errno != ENOENT) {
      if (first && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)) {
        raw.keys.clear();
        raw.values.clear();
        return dump_by_keys(fd, std::move(raw));
      }
      break;
    }
    total += count;
    first = false;
    in_batch = out_batch;
    if (err) break;  // ENOENT: that was the last batch
  }
  raw.keys.resize(total * key_size);
  raw.values.resize(total * raw.value_size);
  return raw;
}

std::vector<uint64_t> sum_percpu_u64_array(int fd, uint32_t entries) {
  RawEntries raw = dump_map(fd, sizeof(uint32_t), sizeof(uint64_t), entries, true);
  std::vector<uint64_t> sums(entries, 0);
  int cpus = possible_cpus();
  for (size_t i = 0; i < raw.count(); ++i) {
    uint32_t key;
    std::memcpy(&key, raw.keys.data() + i * sizeof(key), sizeof(key));
    if (key >= entries) continue;
    const uint8_t* v = raw.values.data() + i * raw.value_size;
    for (int cpu = 0; cpu < cpus; ++cpu) {
      uint64_t x;
      std::memcpy(&x, v + cpu * 8, 8);
      sums[key] += x;
    }
  }
  return sums;
}

std::vector<uint64_t> read_stack_trace(int map_fd, int32_t id, size_t depth) {
  std::vector<uint64_t> frames;
  if (id < 0) return frames;
  std::vector<uint64_t> ips(depth, 0);
  uint32_t key = static_cast<uint32_t>(id);
  if (bpf_map_lookup_elem(map_fd, &key, ips.data()) != 0) return frames;
  for (uint64_t ip : ips) {
    if (ip == 0) break;
    frames.push_back(ip);
  }
  return frames;
}

}  // namespace ksight::agent
