#include "trace/runtime/map_reader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>
#include <map>

namespace ksight::trace::runtime {

using ast::TypeKind;

namespace {

int64_t at(const uint8_t* p, size_t off) {
  int64_t v;
  std::memcpy(&v, p + off, 8);
  return v;
}

std::vector<std::vector<uint8_t>> all_keys(int fd, uint32_t key_size) {
  std::vector<std::vector<uint8_t>> keys;
  std::vector<uint8_t> key(key_size), next(key_size);
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    keys.push_back(next);
    key = next;
    prev = key.data();
    if (keys.size() > 1000000) break;
  }
  return keys;
}

}  // namespace

void combine_percpu(const MapInfo& map, const uint8_t* values, int ncpus, MapEntry& e,
                    int64_t bucket) {
  uint32_t stride = (map.value_size() + 7) / 8 * 8;
  for (int cpu = 0; cpu < ncpus; ++cpu) {
    const uint8_t* v = values + static_cast<size_t>(cpu) * stride;
    switch (map.value.kind) {
      case TypeKind::kCount:
      case TypeKind::kSum:
        e.value += at(v, 0);
        break;
      case TypeKind::kHist:
      case TypeKind::kLhist:
        if (at(v, 0)) e.buckets[bucket] += static_cast<uint64_t>(at(v, 0));
        break;
      case TypeKind::kAvg:
      case TypeKind::kStats:
        e.count += at(v, 0);
        e.total += at(v, 8);
        break;
      case TypeKind::kMin:
      case TypeKind::kMax: {
        if (!at(v, 8)) break;
        int64_t x = at(v, 0);
        bool better = map.value.kind == TypeKind::kMin ? x < e.value : x > e.value;
        if (e.count == 0 || better) e.value = x;
        e.count = 1;
        break;
      }
      default:
        break;
    }
  }
}

std::vector<MapEntry> read_map(int fd, const MapInfo& map) {
  int ncpus = map.per_cpu() ? libbpf_num_possible_cpus() : 1;
  uint32_t stride = (map.value_size() + 7) / 8 * 8;
  std::vector<uint8_t> value(static_cast<size_t>(stride) * ncpus);
  std::map<std::vector<uint8_t>, MapEntry> grouped;
  for (const auto& key : all_keys(fd, map.key_size())) {
    if (bpf_map_lookup_elem(fd, key.data(), value.data()) != 0) continue;
    std::vector<uint8_t> user_key(key.begin(), key.begin() + map.user_key_size());
    MapEntry& e = grouped[user_key];
    e.key = user_key;
    if (!map.per_cpu()) {
      if (map.value.is_int() || map.value.kind == TypeKind::kKsym || map.value.is_stack() ||
          map.value.kind == TypeKind::kStrftime) {
        e.value = at(value.data(), 0);
      } else {
        e.raw.assign(value.begin(), value.begin() + map.value_size());
      }
      continue;
    }
    int64_t bucket = map.is_histogram() ? at(key.data(), map.user_key_size()) : 0;
    combine_percpu(map, value.data(), ncpus, e, bucket);
  }
  std::vector<MapEntry> out;
  for (auto& [k, e] : grouped) {
    bool empty_minmax =
        (map.value.kind == TypeKind::kMin || map.value.kind == TypeKind::kMax) && !e.count;
    if (!empty_minmax) out.push_back(std::move(e));
  }
  return out;
}

std::vector<uint32_t> key_pids(int fd, const MapInfo& map, size_t offset, bool usym) {
  std::vector<uint32_t> pids;
  for (const auto& key : all_keys(fd, map.key_size())) {
    uint64_t v = static_cast<uint64_t>(at(key.data(), offset + (usym ? 8 : 0)));
    pids.push_back(static_cast<uint32_t>(usym ? v : v >> 32));
  }
  return pids;
}

void clear_map(int fd, const MapInfo& map) {
  for (const auto& key : all_keys(fd, map.key_size())) bpf_map_delete_elem(fd, key.data());
}

void zero_map(int fd, const MapInfo& map) {
  int ncpus = map.per_cpu() ? libbpf_num_possible_cpus() : 1;
  std::vector<uint8_t> zero(static_cast<size_t>((map.value_size() + 7) / 8 * 8) * ncpus, 0);
  for (const auto& key : all_keys(fd, map.key_size())) {
    bpf_map_update_elem(fd, key.data(), zero.data(), BPF_EXIST);
  }
}

}  // namespace ksight::trace::runtime
