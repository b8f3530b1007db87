#include "store/cpu_window_feeder.h"

#include <map>
#include <unordered_map>

namespace ksight::store {

namespace {

int64_t pid_label(const profile::Sample& s) {
  for (const auto& l : s.labels) {
    if (l.key == "pid") return l.is_num ? l.num : std::atoll(l.str.c_str());
  }
  return 0;
}

}  // namespace

int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// The window's shape without its tables or samples.
profile::Profile empty_like(const profile::Profile& p) {
  profile::Profile out;
  out.sample_types = p.sample_types;
  out.period_type = p.period_type;
  out.period = p.period;
  out.time_nanos = p.time_nanos;
  out.duration_nanos = p.duration_nanos;
  out.default_sample_type = p.default_sample_type;
  out.comments = p.comments;
  return out;
}

// Copies into `part` the locations (and their mappings) `sample` uses,
// renumbered densely; `loc_ids`/`map_ids` map old ids to new ones.
void add_sample(const profile::Profile& whole, const profile::Sample& sample,
                profile::Profile& part, std::unordered_map<uint64_t, uint64_t>& loc_ids,
                std::unordered_map<uint64_t, uint64_t>& map_ids) {
  profile::Sample copy = sample;
  for (uint64_t& id : copy.location_ids) {
    auto [it, fresh] = loc_ids.try_emplace(id, part.locations.size() + 1);
    if (fresh) {
      profile::Location loc = whole.location(id);
      loc.id = it->second;
      if (const profile::Mapping* m = whole.mapping(loc.mapping_id)) {
        auto [mit, mfresh] = map_ids.try_emplace(loc.mapping_id, part.mappings.size() + 1);
        if (mfresh) {
          part.mappings.push_back(*m);
          part.mappings.back().id = mit->second;
        }
        loc.mapping_id = mit->second;
      } else {
        loc.mapping_id = 0;
      }
      part.locations.push_back(std::move(loc));
    }
    id = it->second;
  }
  part.samples.push_back(std::move(copy));
}

}  // namespace

// Each part is built from the samples it owns, so the work and the peak
// memory are one copy of the window, however many processes it holds.
// (Copying the whole window per process and compacting afterwards cost
// processes x window: ~700 MB transient, kept by malloc, for an off-CPU
// window of ~400 short-lived processes.)
std::vector<std::pair<std::pair<std::string, int64_t>, profile::Profile>> split_by_process(
    const profile::Profile& profile) {
  std::map<std::pair<std::string, int64_t>, std::vector<size_t>> groups;
  for (size_t i = 0; i < profile.samples.size(); ++i) {
    const auto& s = profile.samples[i];
    groups[{s.label("comm"), pid_label(s)}].push_back(i);
  }
  std::vector<std::pair<std::pair<std::string, int64_t>, profile::Profile>> out;
  out.reserve(groups.size());
  for (auto& [key, indices] : groups) {
    profile::Profile part = empty_like(profile);
    std::unordered_map<uint64_t, uint64_t> loc_ids, map_ids;
    for (size_t i : indices) add_sample(profile, profile.samples[i], part, loc_ids, map_ids);
    out.emplace_back(key, std::move(part));
  }
  return out;
}

CpuWindowFeeder::CpuWindowFeeder(Store& store, symbolizer::Symbolizer& symbolizer,
                                 CpuWindowOptions options, ProcessLabels labels_for,
                                 WallClock clock)
    : store_(store),
      symbolizer_(symbolizer),
      options_(options),
      labels_for_(std::move(labels_for)),
      clock_(std::move(clock)) {
  builder_ = std::make_unique<profile::CpuProfileBuilder>(
      symbolizer_, profile::CpuProfileOptions{options_.frequency_hz});
  window_start_ns_ = clock_();
}

void CpuWindowFeeder::add(const profile::StackSample& sample) {
  tick();
  builder_->add(sample);
}

size_t CpuWindowFeeder::tick() {
  int64_t now = clock_();
  if (now - window_start_ns_ < options_.window.count()) return 0;
  return close_window(now);
}

size_t CpuWindowFeeder::flush() {
  return close_window(clock_());
}

size_t CpuWindowFeeder::close_window(int64_t end_ns) {
  int64_t start = window_start_ns_;
  window_start_ns_ = end_ns;
  if (builder_->samples() == 0) return 0;
  auto builder = std::make_unique<profile::CpuProfileBuilder>(
      symbolizer_, profile::CpuProfileOptions{options_.frequency_hz});
  std::swap(builder, builder_);
  profile::Profile whole = builder->build(start, end_ns - start);
  size_t written = 0;
  for (auto& [key, part] : split_by_process(whole)) {
    Labels labels =
        labels_for_ ? labels_for_(static_cast<uint32_t>(key.second), key.first) : Labels{};
    labels["comm"] = key.first;
    labels["pid"] = std::to_string(key.second);
    labels[kTypeLabel] = "cpu";
    store_.add_window(labels, std::move(part), start, end_ns);
    ++written;
  }
  ++windows_written_;
  return written;
}

}  // namespace ksight::store
