#pragma once
// The agent's profile store: windows (one profile::Profile each, e.g. 10 s of
// CPU samples of one process) of labelled series, indexed by time. Recent
// windows stay in memory up to a byte budget; older ones are spilled to a
// directory as pprof files (encode_pprof) up to a disk budget, and the oldest
// are evicted first. A store opened on a spill directory reloads what an
// earlier agent left there. Queries merge every window of the matching
// series that overlaps a time range into one profile.
//
// Thread-safe: the agent adds windows while the HTTP threads query.
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "profile/profile.h"
#include "store/labels.h"
#include "store/memory_estimate.h"

namespace ksight::store {

struct StoreOptions {
  // Heap bytes of in-memory windows, their index and their series' labels
  // (memory_estimate.h); a spilled window keeps only its index entry here.
  size_t memory_bytes = size_t{64} << 20;
  std::string spill_dir;  // empty: windows past the memory budget are dropped
  uint64_t disk_bytes = uint64_t{512} << 20;
  // Windows that ended longer than this before the newest window's end are
  // evicted (memory or disk); 0 keeps windows until a byte budget needs room.
  // Measured against the data, not the wall clock, so a paused or reloaded
  // store does not empty itself.
  int64_t retention_ns = 0;
};

struct TimeRange {
  int64_t from_ns = std::numeric_limits<int64_t>::min();
  int64_t to_ns = std::numeric_limits<int64_t>::max();
  // Windows are [start, end); a range includes a window that overlaps it.
  bool overlaps(int64_t start_ns, int64_t end_ns) const {
    return start_ns < to_ns && end_ns > from_ns;
  }
};

struct SeriesInfo {
  uint64_t id = 0;
  Labels labels;
  size_t windows = 0;
  int64_t first_ns = 0;  // earliest window start
  int64_t last_ns = 0;   // latest window end
};

struct WindowInfo {
  uint64_t series = 0;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  bool spilled = false;
};

struct StoreStats {
  size_t series = 0;  // series with at least one window (others are forgotten)
  size_t windows = 0;
  size_t spilled_windows = 0;
  size_t memory_bytes = 0;
  uint64_t disk_bytes = 0;
  uint64_t spills = 0;     // windows written to disk
  uint64_t evictions = 0;  // windows dropped for good (budgets and retention)
  uint64_t expired = 0;    // of those, dropped for being older than the retention
  uint64_t spill_errors = 0;
};

class Store {
 public:
  // Creates `spill_dir` when missing and reloads the windows in it.
  explicit Store(StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Adds one window of the series named by `labels` (the "type" label names
  // the profile type). The profile's time and duration are set to the window.
  void add_window(const Labels& labels, profile::Profile profile, int64_t start_ns, int64_t end_ns);

  // Called after every add_window (on the adding thread, outside the lock),
  // e.g. to push windows to a remote store (PyroscopePusher::enqueue).
  using WindowListener =
      std::function<void(const Labels& labels, std::shared_ptr<const profile::Profile> profile,
                         int64_t start_ns, int64_t end_ns)>;
  void set_listener(WindowListener listener);

  std::vector<SeriesInfo> series(const Selector& selector = {}) const;
  // Every label key with the values seen for it across series.
  std::map<std::string, std::set<std::string>> label_values() const;
  // Windows of matching series overlapping `range`, oldest first.
  std::vector<WindowInfo> windows(const Selector& selector, TimeRange range = {}) const;
  // The merged profile of those windows; no samples when none match. Each
  // sample gets the series' labels (comm, pid, ...) it did not carry already.
  profile::Profile query(const Selector& selector, TimeRange range = {}) const;
  StoreStats stats() const;

  // What one in-memory window of `profile` adds to the memory bytes: the
  // profile's heap, its shared_ptr block and its index entry.
  static size_t window_bytes(const profile::Profile& profile);
  // What a new series adds: its labels, held once, and its index entries.
  static size_t series_bytes(const Labels& labels);

 private:
  struct Window {
    uint64_t series = 0;
    int64_t end_ns = 0;
    std::shared_ptr<const profile::Profile> profile;  // null once spilled
    size_t memory_bytes = 0;                          // of the profile, while in memory
    std::string spill_path;                           // set once spilled
    uint64_t disk_bytes = 0;
  };
  using WindowMap = std::map<std::pair<int64_t, uint64_t>, Window>;
  static size_t counted_bytes(const Window& w);
  // Shared with queries in flight, so a series can be forgotten (its last
  // window evicted) while a query still reads its labels.
  using LabelsPtr = std::shared_ptr<const Labels>;
  struct Series {
    LabelsPtr labels;
    size_t windows = 0;
    size_t memory_bytes = 0;
  };
  struct LabelsLess {
    using is_transparent = void;
    bool operator()(const LabelsPtr& a, const LabelsPtr& b) const { return *a < *b; }
    bool operator()(const Labels& a, const LabelsPtr& b) const { return a < *b; }
    bool operator()(const LabelsPtr& a, const Labels& b) const { return *a < b; }
  };
  // The series of `labels` with one more window (created when new).
  uint64_t acquire_series(const Labels& labels);
  // One window fewer; a series without windows is forgotten, so the labels
  // of every pid that ever ran do not pile up.
  void release_series(uint64_t id);
  void insert_window(std::pair<int64_t, uint64_t> key, Window w, const Labels& labels);
  void enforce_budgets();
  bool spill_one();
  void evict_one_spilled();
  void evict_expired();
  // Drops a window for good (its spill file too).
  void erase_window(WindowMap::iterator it);
  void reload();

  StoreOptions options_;
  mutable std::mutex mutex_;
  std::map<LabelsPtr, uint64_t, LabelsLess> series_ids_;
  std::unordered_map<uint64_t, Series> series_;
  uint64_t next_series_id_ = 1;
  // Keyed by (start, sequence): iteration is oldest first.
  WindowMap windows_;
  uint64_t next_seq_ = 1;
  int64_t newest_end_ns_ = std::numeric_limits<int64_t>::min();
  StoreStats stats_;
  WindowListener listener_;  // guarded by mutex_
};

}  // namespace ksight::store
