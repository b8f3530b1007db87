#include "store/memory_estimate.h"

namespace ksight::store {

namespace {

size_t line_bytes(const profile::Line& line) {
  return heap_bytes(line.function) + heap_bytes(line.system_name) + heap_bytes(line.file);
}

size_t sample_bytes(const profile::Sample& s) {
  size_t bytes = heap_bytes(s.location_ids) + heap_bytes(s.values) + heap_bytes(s.labels);
  for (const auto& l : s.labels)
    bytes += heap_bytes(l.key) + heap_bytes(l.str) + heap_bytes(l.num_unit);
  return bytes;
}

}  // namespace

size_t estimate_bytes(const profile::Profile& profile) {
  size_t bytes = heap_bytes(profile.sample_types) + heap_bytes(profile.period_type.type) +
                 heap_bytes(profile.period_type.unit) + heap_bytes(profile.default_sample_type) +
                 heap_bytes(profile.comments);
  for (const auto& t : profile.sample_types) bytes += heap_bytes(t.type) + heap_bytes(t.unit);
  for (const auto& c : profile.comments) bytes += heap_bytes(c);
  bytes += heap_bytes(profile.mappings);
  for (const auto& m : profile.mappings) bytes += heap_bytes(m.file) + heap_bytes(m.build_id);
  bytes += heap_bytes(profile.locations);
  for (const auto& l : profile.locations) {
    bytes += heap_bytes(l.lines);
    for (const auto& line : l.lines) bytes += line_bytes(line);
  }
  bytes += heap_bytes(profile.samples);
  for (const auto& s : profile.samples) bytes += sample_bytes(s);
  return bytes;
}

size_t estimate_labels_bytes(const Labels& labels) {
  // One red-black tree node (32 bytes of links and colour) per label.
  constexpr size_t kNode = 32 + sizeof(Labels::value_type);
  size_t bytes = 0;
  for (const auto& [key, value] : labels) {
    bytes += heap_block(kNode) + heap_bytes(key) + heap_bytes(value);
  }
  return bytes;
}

void shrink_to_fit(profile::Profile& profile) {
  profile.mappings.shrink_to_fit();
  profile.locations.shrink_to_fit();
  profile.samples.shrink_to_fit();
  for (auto& l : profile.locations) l.lines.shrink_to_fit();
  for (auto& s : profile.samples) {
    s.location_ids.shrink_to_fit();
    s.values.shrink_to_fit();
    s.labels.shrink_to_fit();
  }
}

}  // namespace ksight::store
