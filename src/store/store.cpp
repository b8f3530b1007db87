#include "store/store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "common/error.h"
#include "store/profile_merge.h"
#include "store/spill.h"

namespace ksight::store {

size_t estimate_bytes(const profile::Profile& profile) {
  size_t bytes = sizeof(profile::Profile);
  for (const auto& m : profile.mappings) bytes += sizeof(m) + m.file.size() + m.build_id.size();
  for (const auto& l : profile.locations) {
    bytes += sizeof(l);
    for (const auto& line : l.lines) {
      bytes += sizeof(line) + line.function.size() + line.system_name.size() + line.file.size();
    }
  }
  for (const auto& s : profile.samples) {
    bytes += sizeof(s) + s.location_ids.size() * 8 + s.values.size() * 8;
    for (const auto& label : s.labels) bytes += sizeof(label) + label.key.size() + label.str.size();
  }
  return bytes;
}

Store::Store(StoreOptions options) : options_(std::move(options)) {
  if (options_.spill_dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(options_.spill_dir, ec);
  if (ec) throw Error("store: cannot create " + options_.spill_dir + ": " + ec.message());
  reload();
}

Store::~Store() = default;

void Store::reload() {
  for (auto& spilled : scan_spill_dir(options_.spill_dir)) {
    Window w;
    w.series = series_id(spilled.labels);
    w.end_ns = spilled.end_ns;
    w.spill_path = spilled.path;
    w.disk_bytes = spilled.bytes;
    stats_.disk_bytes += spilled.bytes;
    next_seq_ = std::max(next_seq_, spilled.seq + 1);
    newest_end_ns_ = std::max(newest_end_ns_, spilled.end_ns);
    windows_.emplace(std::make_pair(spilled.start_ns, spilled.seq), std::move(w));
  }
  if (!windows_.empty()) {
    spdlog::info("store: reloaded {} windows from {}", windows_.size(), options_.spill_dir);
  }
  enforce_budgets();
}

uint64_t Store::series_id(const Labels& labels) {
  auto [it, fresh] = series_ids_.emplace(labels, series_ids_.size() + 1);
  if (fresh) series_labels_.emplace(it->second, labels);
  return it->second;
}

void Store::add_window(const Labels& labels, profile::Profile profile, int64_t start_ns,
                       int64_t end_ns) {
  if (end_ns < start_ns) throw Error("store: window ends before it starts");
  profile.time_nanos = start_ns;
  profile.duration_nanos = end_ns - start_ns;
  Window w;
  w.end_ns = end_ns;
  w.memory_bytes = estimate_bytes(profile);
  w.profile = std::make_shared<const profile::Profile>(std::move(profile));
  auto shared = w.profile;
  WindowListener listener;
  {
    std::lock_guard lock(mutex_);
    w.series = series_id(labels);
    stats_.memory_bytes += w.memory_bytes;
    newest_end_ns_ = std::max(newest_end_ns_, end_ns);
    windows_.emplace(std::make_pair(start_ns, next_seq_++), std::move(w));
    enforce_budgets();
    listener = listener_;
  }
  if (listener) listener(labels, std::move(shared), start_ns, end_ns);
}

void Store::set_listener(WindowListener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void Store::enforce_budgets() {
  evict_expired();
  while (stats_.memory_bytes > options_.memory_bytes && spill_one()) {
  }
  while (stats_.disk_bytes > options_.disk_bytes) evict_one_spilled();
}

// Moves the oldest in-memory window to disk (or drops it when there is no
// spill directory). False when nothing is left in memory.
bool Store::spill_one() {
  auto it = std::find_if(windows_.begin(), windows_.end(),
                         [](const auto& entry) { return entry.second.profile != nullptr; });
  if (it == windows_.end()) return false;
  Window& w = it->second;
  stats_.memory_bytes -= w.memory_bytes;
  if (!options_.spill_dir.empty()) {
    try {
      auto spilled = write_spill(options_.spill_dir, series_labels_.at(w.series), it->first.first,
                                 w.end_ns, it->first.second, *w.profile);
      w.spill_path = spilled.path;
      w.disk_bytes = spilled.bytes;
      w.profile.reset();
      stats_.disk_bytes += spilled.bytes;
      ++stats_.spills;
      return true;
    } catch (const std::exception& e) {
      ++stats_.spill_errors;
      spdlog::warn("store: spill failed, dropping the window: {}", e.what());
    }
  }
  windows_.erase(it);
  ++stats_.evictions;
  return true;
}

void Store::evict_one_spilled() {
  auto it = std::find_if(windows_.begin(), windows_.end(),
                         [](const auto& entry) { return !entry.second.spill_path.empty(); });
  if (it == windows_.end()) {
    stats_.disk_bytes = 0;
    return;
  }
  std::error_code ec;
  std::filesystem::remove(it->second.spill_path, ec);
  stats_.disk_bytes -= std::min(stats_.disk_bytes, it->second.disk_bytes);
  windows_.erase(it);
  ++stats_.evictions;
}

void Store::evict_expired() {
  if (options_.retention_ns <= 0 || windows_.empty()) return;
  int64_t cutoff = newest_end_ns_ - options_.retention_ns;
  // Ordered by start, so an old window with a late end can hide behind a
  // newer one; scan them all (a few thousand at most, once per add).
  for (auto it = windows_.begin(); it != windows_.end();) {
    auto next = std::next(it);
    if (it->second.end_ns < cutoff) {
      erase_window(it);
      ++stats_.expired;
    }
    it = next;
  }
}

void Store::erase_window(std::map<std::pair<int64_t, uint64_t>, Window>::iterator it) {
  Window& w = it->second;
  if (w.profile) stats_.memory_bytes -= std::min(stats_.memory_bytes, w.memory_bytes);
  if (!w.spill_path.empty()) {
    std::error_code ec;
    std::filesystem::remove(w.spill_path, ec);
    stats_.disk_bytes -= std::min(stats_.disk_bytes, w.disk_bytes);
  }
  windows_.erase(it);
  ++stats_.evictions;
}

std::vector<SeriesInfo> Store::series(const Selector& selector) const {
  std::lock_guard lock(mutex_);
  std::map<uint64_t, SeriesInfo> found;
  for (const auto& [key, w] : windows_) {
    const Labels& labels = series_labels_.at(w.series);
    if (!selector.matches(labels)) continue;
    auto [it, fresh] = found.try_emplace(w.series);
    SeriesInfo& info = it->second;
    if (fresh) {
      info = {w.series, labels, 0, key.first, w.end_ns};
    }
    ++info.windows;
    info.first_ns = std::min(info.first_ns, key.first);
    info.last_ns = std::max(info.last_ns, w.end_ns);
  }
  std::vector<SeriesInfo> out;
  for (auto& [id, info] : found) out.push_back(std::move(info));
  return out;
}

std::map<std::string, std::set<std::string>> Store::label_values() const {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& s : series()) {
    for (const auto& [k, v] : s.labels) out[k].insert(v);
  }
  return out;
}

std::vector<WindowInfo> Store::windows(const Selector& selector, TimeRange range) const {
  std::lock_guard lock(mutex_);
  std::vector<WindowInfo> out;
  for (const auto& [key, w] : windows_) {
    if (!range.overlaps(key.first, w.end_ns)) continue;
    if (!selector.matches(series_labels_.at(w.series))) continue;
    out.push_back({w.series, key.first, w.end_ns, w.profile == nullptr});
  }
  return out;
}

profile::Profile Store::query(const Selector& selector, TimeRange range) const {
  struct Pick {
    std::shared_ptr<const profile::Profile> profile;
    std::string path;
    const Labels* labels;
  };
  std::vector<Pick> picks;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, w] : windows_) {
      if (!range.overlaps(key.first, w.end_ns)) continue;
      const Labels& labels = series_labels_.at(w.series);
      if (selector.matches(labels)) picks.push_back({w.profile, w.spill_path, &labels});
    }
  }
  // Merging happens outside the lock; series labels are never removed, so
  // the pointers stay valid.
  ProfileMerger merger;
  for (const auto& pick : picks) {
    if (pick.profile) {
      merger.add(*pick.profile, 1, pick.labels);
      continue;
    }
    try {
      merger.add(read_spill(pick.path), 1, pick.labels);
    } catch (const std::exception& e) {  // evicted meanwhile
      spdlog::debug("store: window gone: {}", e.what());
    }
  }
  return merger.take();
}

StoreStats Store::stats() const {
  std::lock_guard lock(mutex_);
  StoreStats s = stats_;
  s.series = series_ids_.size();
  s.windows = windows_.size();
  s.spilled_windows = std::count_if(windows_.begin(), windows_.end(),
                                    [](const auto& e) { return e.second.profile == nullptr; });
  return s;
}

}  // namespace ksight::store
