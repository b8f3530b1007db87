#include "store/cpu_window_feeder.h"

#include <map>

#include "store/profile_merge.h"

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

std::vector<std::pair<std::pair<std::string, int64_t>, profile::Profile>> split_by_process(
    const profile::Profile& profile) {
  std::map<std::pair<std::string, int64_t>, ProfileMerger> groups;
  std::map<std::pair<std::string, int64_t>, profile::Profile> parts;
  for (const auto& s : profile.samples) {
    auto key = std::make_pair(s.label("comm"), pid_label(s));
    auto [it, fresh] = parts.try_emplace(key);
    if (fresh) {
      it->second = profile;  // shape + tables; samples replaced below
      it->second.samples.clear();
    }
    it->second.samples.push_back(s);
  }
  std::vector<std::pair<std::pair<std::string, int64_t>, profile::Profile>> out;
  for (auto& [key, part] : parts) {
    ProfileMerger merger;  // keeps only the tables the samples use
    merger.add(part);
    profile::Profile compact = merger.take();
    compact.time_nanos = profile.time_nanos;
    compact.duration_nanos = profile.duration_nanos;
    out.emplace_back(key, std::move(compact));
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
