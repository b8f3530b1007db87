#include "store/store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "common/error.h"
#include "store/profile_merge.h"
#include "store/spill.h"

namespace ksight::store {

namespace {

// The index node of a window (its own bytes), the profile's make_shared
// block (control block and Profile object), a series' two index nodes and
// the make_shared block of its labels.
template <typename Map>
constexpr size_t tree_node() {
  return heap_block(32 + sizeof(typename Map::value_type));
}
template <typename Map>
constexpr size_t hash_node() {
  return heap_block(8 + sizeof(typename Map::value_type)) + sizeof(void*);  // + its bucket
}
constexpr size_t kProfileBlock = heap_block(16 + sizeof(profile::Profile));
constexpr size_t kLabelsBlock = heap_block(16 + sizeof(Labels));

}  // namespace

size_t Store::window_bytes(const profile::Profile& profile) {
  return estimate_bytes(profile) + kProfileBlock + tree_node<WindowMap>();
}

size_t Store::series_bytes(const Labels& labels) {
  return estimate_labels_bytes(labels) + kLabelsBlock + tree_node<decltype(series_ids_)>() +
         hash_node<decltype(series_)>();
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
    w.end_ns = spilled.end_ns;
    w.spill_path = spilled.path;
    w.disk_bytes = spilled.bytes;
    stats_.disk_bytes += spilled.bytes;
    next_seq_ = std::max(next_seq_, spilled.seq + 1);
    newest_end_ns_ = std::max(newest_end_ns_, spilled.end_ns);
    insert_window({spilled.start_ns, spilled.seq}, std::move(w), spilled.labels);
  }
  if (!windows_.empty()) {
    spdlog::info("store: reloaded {} windows from {}", windows_.size(), options_.spill_dir);
  }
  enforce_budgets();
}

uint64_t Store::acquire_series(const Labels& labels) {
  auto it = series_ids_.find(labels);
  if (it == series_ids_.end()) {
    uint64_t id = next_series_id_++;
    auto shared = std::make_shared<const Labels>(labels);
    it = series_ids_.emplace(shared, id).first;
    size_t bytes = series_bytes(labels);
    series_.emplace(id, Series{std::move(shared), 0, bytes});
    stats_.memory_bytes += bytes;
  }
  ++series_.at(it->second).windows;
  return it->second;
}

void Store::release_series(uint64_t id) {
  auto it = series_.find(id);
  if (it == series_.end() || --it->second.windows > 0) return;
  stats_.memory_bytes -= std::min(stats_.memory_bytes, it->second.memory_bytes);
  series_ids_.erase(it->second.labels);
  series_.erase(it);
}

// What a window counts against the memory budget: its index node always,
// the spill path once spilled, the profile (w.memory_bytes) while in memory.
size_t Store::counted_bytes(const Window& w) {
  return tree_node<WindowMap>() + heap_bytes(w.spill_path) + (w.profile ? w.memory_bytes : 0);
}

void Store::insert_window(std::pair<int64_t, uint64_t> key, Window w, const Labels& labels) {
  w.series = acquire_series(labels);
  stats_.memory_bytes += counted_bytes(w);
  windows_.emplace(key, std::move(w));
}

void Store::add_window(const Labels& labels, profile::Profile profile, int64_t start_ns,
                       int64_t end_ns) {
  if (end_ns < start_ns) throw Error("store: window ends before it starts");
  profile.time_nanos = start_ns;
  profile.duration_nanos = end_ns - start_ns;
  shrink_to_fit(profile);
  Window w;
  w.end_ns = end_ns;
  w.memory_bytes = estimate_bytes(profile) + kProfileBlock;
  w.profile = std::make_shared<const profile::Profile>(std::move(profile));
  auto shared = w.profile;
  WindowListener listener;
  {
    std::lock_guard lock(mutex_);
    newest_end_ns_ = std::max(newest_end_ns_, end_ns);
    insert_window({start_ns, next_seq_++}, std::move(w), labels);
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
  if (!options_.spill_dir.empty()) {
    try {
      auto spilled = write_spill(options_.spill_dir, *series_.at(w.series).labels, it->first.first,
                                 w.end_ns, it->first.second, *w.profile);
      stats_.memory_bytes -= std::min(stats_.memory_bytes, w.memory_bytes);
      w.spill_path = spilled.path;
      w.disk_bytes = spilled.bytes;
      w.profile.reset();
      stats_.memory_bytes += heap_bytes(w.spill_path);
      stats_.disk_bytes += spilled.bytes;
      ++stats_.spills;
      return true;
    } catch (const std::exception& e) {
      ++stats_.spill_errors;
      spdlog::warn("store: spill failed, dropping the window: {}", e.what());
    }
  }
  erase_window(it);
  return true;
}

void Store::evict_one_spilled() {
  auto it = std::find_if(windows_.begin(), windows_.end(),
                         [](const auto& entry) { return !entry.second.spill_path.empty(); });
  if (it == windows_.end()) {
    stats_.disk_bytes = 0;
    return;
  }
  erase_window(it);
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

void Store::erase_window(WindowMap::iterator it) {
  Window& w = it->second;
  stats_.memory_bytes -= std::min(stats_.memory_bytes, counted_bytes(w));
  if (!w.spill_path.empty()) {
    std::error_code ec;
    std::filesystem::remove(w.spill_path, ec);
    stats_.disk_bytes -= std::min(stats_.disk_bytes, w.disk_bytes);
  }
  uint64_t series = w.series;
  windows_.erase(it);
  release_series(series);
  ++stats_.evictions;
}

std::vector<SeriesInfo> Store::series(const Selector& selector) const {
  std::lock_guard lock(mutex_);
  std::map<uint64_t, SeriesInfo> found;
  for (const auto& [key, w] : windows_) {
    const Labels& labels = *series_.at(w.series).labels;
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
    if (!selector.matches(*series_.at(w.series).labels)) continue;
    out.push_back({w.series, key.first, w.end_ns, w.profile == nullptr});
  }
  return out;
}

profile::Profile Store::query(const Selector& selector, TimeRange range) const {
  struct Pick {
    std::shared_ptr<const profile::Profile> profile;
    std::string path;
    LabelsPtr labels;
  };
  std::vector<Pick> picks;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, w] : windows_) {
      if (!range.overlaps(key.first, w.end_ns)) continue;
      const LabelsPtr& labels = series_.at(w.series).labels;
      if (selector.matches(*labels)) picks.push_back({w.profile, w.spill_path, labels});
    }
  }
  // Merging happens outside the lock; the picks share the labels, so a
  // series forgotten meanwhile does not take them away.
  ProfileMerger merger;
  for (const auto& pick : picks) {
    if (pick.profile) {
      merger.add(*pick.profile, 1, pick.labels.get());
      continue;
    }
    try {
      merger.add(read_spill(pick.path), 1, pick.labels.get());
    } catch (const std::exception& e) {  // evicted meanwhile
      spdlog::debug("store: window gone: {}", e.what());
    }
  }
  return merger.take();
}

StoreStats Store::stats() const {
  std::lock_guard lock(mutex_);
  StoreStats s = stats_;
  s.series = series_.size();
  s.windows = windows_.size();
  s.spilled_windows = std::count_if(windows_.begin(), windows_.end(),
                                    [](const auto& e) { return e.second.profile == nullptr; });
  return s;
}

}  // namespace ksight::store
