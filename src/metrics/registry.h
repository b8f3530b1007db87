#pragma once
// A small Prometheus registry. Features register metric families by name and
// update series by label values; the HTTP server renders the whole registry in
// the text exposition format (exposition.h). Everything is thread-safe: each
// family has its own lock, so hot updaters of different families never meet.
//
//   auto& events = registry.counter("ksight_events_total", "Events decoded.", {"source"});
//   events.inc({"process"});
//   auto& lat = registry.histogram("x_seconds", "help", {"op"}, exponential_buckets(1e-6, 2, 20));
//   lat.observe({"read"}, 0.0003);
//
// Cardinality guard: a family admits at most `max_label_values` distinct
// values per label. Admission is sticky (a value once admitted keeps its own
// series, so counters stay monotonic); values arriving after the label is full
// are folded into "other" and counted in ksight_metric_label_folds_total{metric}.
// Producers that aggregate (the syscall source) offer their heaviest values
// first, so the admitted set approximates the top N.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace ksight::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

using LabelValues = std::vector<std::string>;

inline constexpr std::string_view kOtherLabelValue = "other";

// One series' state. Histograms use buckets/sum/count; the others `value`.
struct SeriesValue {
  double value = 0;
  std::vector<uint64_t> bucket_counts;  // per bucket, NOT cumulative; last is +Inf
  double sum = 0;
  uint64_t count = 0;
};

// A consistent copy of one family, for rendering.
struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<std::string> label_names;
  std::vector<double> bucket_bounds;  // histograms: upper bounds, +Inf implied
  std::map<LabelValues, SeriesValue> series;
};

class Registry;

class Family {
 public:
  Family(Registry* owner, std::string name, std::string help, MetricType type,
         std::vector<std::string> label_names, std::vector<double> bucket_bounds,
         size_t max_label_values);
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  const std::vector<double>& bucket_bounds() const { return bucket_bounds_; }

  // 0 means unlimited. Takes effect for values not yet admitted.
  void set_max_label_values(size_t max);
  // Drops every series (and admitted label values).
  void clear();
  // Drops one series; false when it did not exist.
  bool remove(const LabelValues& labels);
  FamilySnapshot snapshot() const;
  size_t series_count() const;

 protected:
  // Applies the cardinality guard and runs `update` on the series under lock.
  void update(const LabelValues& labels, const std::function<void(SeriesValue&)>& update);
  double read(const LabelValues& labels) const;

 private:
  LabelValues guard(const LabelValues& labels, uint64_t& folds);

  Registry* owner_;
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
  std::vector<double> bucket_bounds_;
  mutable std::mutex mutex_;
  size_t max_label_values_;
  std::vector<std::unordered_set<std::string>> admitted_;  // per label
  std::map<LabelValues, SeriesValue> series_;
};

class Counter : public Family {
 public:
  using Family::Family;
  // Adds delta (must be >= 0; negative deltas are ignored).
  void inc(const LabelValues& labels, double delta = 1);
  // Sets a counter mirrored from a monotonic source (kernel, /proc). A value
  // below the current one is kept as-is: the source restarted (a reset).
  void set_total(const LabelValues& labels, double total);
  double value(const LabelValues& labels) const { return read(labels); }
};

class Gauge : public Family {
 public:
  using Family::Family;
  void set(const LabelValues& labels, double value);
  void add(const LabelValues& labels, double delta);
  double value(const LabelValues& labels) const { return read(labels); }
};

class Histogram : public Family {
 public:
  using Family::Family;
  void observe(const LabelValues& labels, double value);
  // Merges pre-bucketed observations (e.g. from a kernel log2 histogram):
  // counts[i] are the new observations in bucket i (last: +Inf), sum their sum.
  void add_buckets(const LabelValues& labels, const std::vector<uint64_t>& counts, double sum);
  // Observation count of a series (0 when absent).
  uint64_t count(const LabelValues& labels) const;
};

// Buckets start, start*factor, ... (count of them).
std::vector<double> exponential_buckets(double start, double factor, size_t count);

class Registry {
 public:
  explicit Registry(size_t default_max_label_values = 0);
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Return the family called `name`, creating it on first use. Registering a
  // name again with another type or label set throws ksight::Error, as does a
  // name that breaks Prometheus conventions (counters must end in _total).
  Counter& counter(const std::string& name, const std::string& help,
                   std::vector<std::string> label_names = {});
  Gauge& gauge(const std::string& name, const std::string& help,
               std::vector<std::string> label_names = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<std::string> label_names, std::vector<double> bucket_bounds);

  // Runs before every render/snapshot (refreshing scrape-time metrics such
  // as process_cpu_seconds_total). Collectors must not call render().
  void add_collector(std::function<void()> collector);

  // Limit for families created from now on and for existing ones.
  void set_max_label_values(size_t max);
  size_t max_label_values() const;

  std::vector<FamilySnapshot> snapshot();
  // The whole registry in the Prometheus text format (version 0.0.4).
  std::string render();

  // Called by families when the guard folded label values.
  void record_folds(const std::string& metric, uint64_t folds);

 private:
  Family& get_or_create(const std::string& name, const std::string& help, MetricType type,
                        std::vector<std::string> label_names, std::vector<double> bounds);

  mutable std::mutex mutex_;
  size_t max_label_values_;
  std::map<std::string, std::unique_ptr<Family>> families_;
  std::vector<std::function<void()>> collectors_;
  Counter* folds_ = nullptr;
};

// True when `name` is a valid Prometheus metric (or label, when `label`) name.
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

}  // namespace ksight::metrics
