#include "store/profile_merge.h"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>
#include <unordered_map>

#include "common/error.h"

namespace ksight::store {

namespace {

using MappingKey = std::tuple<std::string, std::string, uint64_t, uint64_t, uint64_t, bool>;

MappingKey mapping_key(const profile::Mapping& m) {
  return {m.file, m.build_id, m.start, m.limit, m.file_offset, m.kernel};
}

// Location identity: mapping, address and the frames' names (an address in
// unknown memory is different code in different processes, and fixtures or
// re-symbolized windows may name one address differently).
struct LocationKey {
  uint64_t mapping = 0;
  uint64_t address = 0;
  bool kernel = false;
  std::string name;
  bool operator==(const LocationKey&) const = default;
};

struct LocationKeyHash {
  size_t operator()(const LocationKey& k) const {
    size_t h = std::hash<uint64_t>()(k.address * 31 + k.mapping) ^ (k.kernel ? 0x9e3779b9 : 0);
    return h ^ std::hash<std::string>()(k.name);
  }
};

LocationKey location_key(uint64_t mapping_id, const profile::Location& l) {
  LocationKey key{mapping_id, l.address, l.kernel, ""};
  for (const auto& line : l.lines) key.name += line.function + '\x1f';
  return key;
}

// Location ids as raw bytes, then the labels.
std::string sample_key(const std::vector<uint64_t>& ids,
                       const std::vector<profile::Label>& labels) {
  std::string key(reinterpret_cast<const char*>(ids.data()), ids.size() * sizeof(uint64_t));
  for (const auto& l : labels) {
    key += '\x1f' + l.key + '=' + (l.is_num ? std::to_string(l.num) + l.num_unit : l.str);
  }
  return key;
}

void add_labels(std::vector<profile::Label>& labels, const Labels& extra) {
  for (const auto& [key, value] : extra) {
    if (key == kTypeLabel || value.empty()) continue;
    bool present = std::any_of(labels.begin(), labels.end(),
                               [&](const profile::Label& l) { return l.key == key; });
    if (!present) labels.push_back({key, value, 0, "", false});
  }
}

}  // namespace

struct ProfileMerger::Impl {
  profile::Profile out;
  bool has_shape = false;
  int64_t start = std::numeric_limits<int64_t>::max();
  int64_t end = std::numeric_limits<int64_t>::min();
  std::map<MappingKey, uint64_t> mappings;
  std::unordered_map<LocationKey, uint64_t, LocationKeyHash> locations;
  std::unordered_map<std::string, size_t> samples;

  void take_shape(const profile::Profile& p) {
    out.sample_types = p.sample_types;
    out.period_type = p.period_type;
    out.period = p.period;
    out.default_sample_type = p.default_sample_type;
    has_shape = true;
  }

  uint64_t mapping_id(const profile::Profile& p, uint64_t id) {
    const profile::Mapping* m = p.mapping(id);
    if (!m) return 0;
    auto [it, fresh] = mappings.emplace(mapping_key(*m), out.mappings.size() + 1);
    if (fresh) {
      out.mappings.push_back(*m);
      out.mappings.back().id = it->second;
    }
    return it->second;
  }

  uint64_t location_id(const profile::Profile& p, uint64_t id) {
    const profile::Location& l = p.location(id);
    uint64_t mapping = mapping_id(p, l.mapping_id);
    auto [it, fresh] = locations.emplace(location_key(mapping, l), out.locations.size() + 1);
    if (fresh) {
      out.locations.push_back(l);
      out.locations.back().id = it->second;
      out.locations.back().mapping_id = mapping;
    }
    return it->second;
  }

  // For each output sample type, its index in `p` or -1.
  std::vector<int> value_map(const profile::Profile& p) const {
    std::vector<int> map;
    for (const auto& t : out.sample_types) map.push_back(p.value_index(t.type));
    return map;
  }

  // Location ids of the profile being added → output ids (0: not seen yet).
  std::vector<uint64_t> remap;

  void add_sample(const profile::Profile& p, const profile::Sample& s,
                  const std::vector<int>& values, int64_t sign, const Labels* extra) {
    std::vector<uint64_t> ids;
    ids.reserve(s.location_ids.size());
    for (uint64_t id : s.location_ids) {
      if (id >= remap.size())
        throw Error("profile sample refers to missing location " + std::to_string(id));
      if (remap[id] == 0) remap[id] = location_id(p, id);
      ids.push_back(remap[id]);
    }
    std::vector<profile::Label> labels = s.labels;
    if (extra) add_labels(labels, *extra);
    auto [it, fresh] = samples.emplace(sample_key(ids, labels), out.samples.size());
    if (fresh) {
      out.samples.push_back(
          {std::move(ids), std::vector<int64_t>(values.size(), 0), std::move(labels)});
    }
    auto& dst = out.samples[it->second].values;
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i] >= 0 && static_cast<size_t>(values[i]) < s.values.size()) {
        dst[i] += sign * s.values[values[i]];
      }
    }
  }
};

ProfileMerger::ProfileMerger() : impl_(std::make_unique<Impl>()) {}
ProfileMerger::~ProfileMerger() = default;

void ProfileMerger::add(const profile::Profile& p, int64_t sign, const Labels* extra_labels) {
  if (!impl_->has_shape) impl_->take_shape(p);
  if (p.duration_nanos > 0 || p.time_nanos > 0) {
    impl_->start = std::min(impl_->start, p.time_nanos);
    impl_->end = std::max(impl_->end, p.time_nanos + p.duration_nanos);
  }
  auto values = impl_->value_map(p);
  impl_->remap.assign(p.locations.size() + 1, 0);
  for (const auto& s : p.samples) impl_->add_sample(p, s, values, sign, extra_labels);
}

profile::Profile ProfileMerger::take() {
  profile::Profile out = std::move(impl_->out);
  if (impl_->start <= impl_->end) {
    out.time_nanos = impl_->start;
    out.duration_nanos = impl_->end - impl_->start;
  }
  impl_ = std::make_unique<Impl>();
  return out;
}

profile::Profile merge_profiles(const std::vector<const profile::Profile*>& profiles) {
  ProfileMerger merger;
  for (const auto* p : profiles) merger.add(*p);
  return merger.take();
}

profile::Profile diff_profiles(const profile::Profile& base, const profile::Profile& target) {
  ProfileMerger merger;
  merger.add(target);
  merger.add(base, -1);
  profile::Profile out = merger.take();
  out.comments.push_back("ksight diff: values are target minus base");
  return out;
}

}  // namespace ksight::store
