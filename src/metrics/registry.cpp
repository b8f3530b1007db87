#include "metrics/registry.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/utf8_text.h"
#include "metrics/exposition.h"

namespace ksight::metrics {

namespace {

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void check_names(const std::string& name, MetricType type,
                 const std::vector<std::string>& label_names) {
  if (!valid_metric_name(name)) throw Error("invalid metric name '" + name + "'");
  bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
  if (type == MetricType::kCounter && !total) {
    throw Error("counter '" + name + "' must end in _total");
  }
  if (type != MetricType::kCounter && total) {
    throw Error("only counters may end in _total: '" + name + "'");
  }
  for (const auto& label : label_names) {
    if (!valid_label_name(label) || (type == MetricType::kHistogram && label == "le")) {
      throw Error("invalid label name '" + label + "' for metric '" + name + "'");
    }
  }
}

}  // namespace

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || name.find(':') != std::string_view::npos) return false;
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_') return false;  // reserved
  return valid_metric_name(name);
}

std::vector<double> exponential_buckets(double start, double factor, size_t count) {
  std::vector<double> bounds;
  for (size_t i = 0; i < count; ++i) bounds.push_back(start * std::pow(factor, i));
  return bounds;
}

Family::Family(Registry* owner, std::string name, std::string help, MetricType type,
               std::vector<std::string> label_names, std::vector<double> bucket_bounds,
               size_t max_label_values)
    : owner_(owner),
      name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      bucket_bounds_(std::move(bucket_bounds)),
      max_label_values_(max_label_values),
      admitted_(label_names_.size()) {}

void Family::set_max_label_values(size_t max) {
  std::lock_guard lock(mutex_);
  max_label_values_ = max;
}

void Family::clear() {
  std::lock_guard lock(mutex_);
  series_.clear();
  for (auto& set : admitted_) set.clear();
}

bool Family::remove(const LabelValues& labels) {
  std::lock_guard lock(mutex_);
  return series_.erase(labels) > 0;
}

FamilySnapshot Family::snapshot() const {
  std::lock_guard lock(mutex_);
  return FamilySnapshot{name_, help_, type_, label_names_, bucket_bounds_, series_};
}

size_t Family::series_count() const {
  std::lock_guard lock(mutex_);
  return series_.size();
}

LabelValues Family::guard(const LabelValues& labels, uint64_t& folds) {
  if (labels.size() != label_names_.size()) {
    throw Error("metric '" + name_ + "' takes " + std::to_string(label_names_.size()) +
                " label values, got " + std::to_string(labels.size()));
  }
  // Prometheus refuses a whole scrape over one invalid UTF-8 label value
  // (a process may name itself with any bytes; a request path is any bytes).
  LabelValues guarded = labels;
  for (auto& value : guarded) make_utf8(value);
  if (max_label_values_ == 0) return guarded;
  for (size_t i = 0; i < guarded.size(); ++i) {
    auto& admitted = admitted_[i];
    if (guarded[i] == kOtherLabelValue || admitted.count(guarded[i])) continue;
    if (admitted.size() < max_label_values_) {
      admitted.insert(guarded[i]);
    } else {
      guarded[i] = std::string(kOtherLabelValue);
      ++folds;
    }
  }
  return guarded;
}

void Family::update(const LabelValues& labels, const std::function<void(SeriesValue&)>& fn) {
  uint64_t folds = 0;
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = series_.try_emplace(guard(labels, folds));
    if (inserted && type_ == MetricType::kHistogram) {
      it->second.bucket_counts.assign(bucket_bounds_.size() + 1, 0);
    }
    fn(it->second);
  }
  if (folds > 0 && owner_) owner_->record_folds(name_, folds);
}

double Family::read(const LabelValues& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.value;
}

void Counter::inc(const LabelValues& labels, double delta) {
  if (!(delta >= 0)) return;
  update(labels, [delta](SeriesValue& s) { s.value += delta; });
}

void Counter::set_total(const LabelValues& labels, double total) {
  update(labels, [total](SeriesValue& s) { s.value = std::max(s.value, total); });
}

void Gauge::set(const LabelValues& labels, double value) {
  update(labels, [value](SeriesValue& s) { s.value = value; });
}

void Gauge::add(const LabelValues& labels, double delta) {
  update(labels, [delta](SeriesValue& s) { s.value += delta; });
}

void Histogram::observe(const LabelValues& labels, double value) {
  const auto& bounds = bucket_bounds();
  size_t bucket = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  update(labels, [&](SeriesValue& s) {
    s.bucket_counts[bucket]++;
    s.sum += value;
    s.count++;
  });
}

void Histogram::add_buckets(const LabelValues& labels, const std::vector<uint64_t>& counts,
                            double sum) {
  update(labels, [&](SeriesValue& s) {
    for (size_t i = 0; i < counts.size() && i < s.bucket_counts.size(); ++i) {
      s.bucket_counts[i] += counts[i];
      s.count += counts[i];
    }
    s.sum += sum;
  });
}

uint64_t Histogram::count(const LabelValues& labels) const {
  auto snap = snapshot();
  auto it = snap.series.find(labels);
  return it == snap.series.end() ? 0 : it->second.count;
}

Registry::Registry(size_t default_max_label_values) : max_label_values_(default_max_label_values) {
  folds_ = &counter("ksight_metric_label_folds_total",
                    "Label values folded into \"other\" by the cardinality guard.", {"metric"});
  folds_->set_max_label_values(0);
}

Family& Registry::get_or_create(const std::string& name, const std::string& help, MetricType type,
                                std::vector<std::string> label_names, std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    Family& f = *it->second;
    if (f.type() != type || f.label_names() != label_names ||
        (type == MetricType::kHistogram && f.bucket_bounds() != bounds)) {
      throw Error("metric '" + name + "' registered twice with different " +
                  std::string(type_name(type)) + " shape");
    }
    return f;
  }
  check_names(name, type, label_names);
  if (!std::is_sorted(bounds.begin(), bounds.end())) {
    throw Error("histogram '" + name + "' buckets must be sorted");
  }
  std::unique_ptr<Family> family;
  size_t max = name == "ksight_metric_label_folds_total" ? 0 : max_label_values_;
  switch (type) {
    case MetricType::kCounter:
      family = std::make_unique<Counter>(this, name, help, type, std::move(label_names),
                                         std::vector<double>{}, max);
      break;
    case MetricType::kGauge:
      family = std::make_unique<Gauge>(this, name, help, type, std::move(label_names),
                                       std::vector<double>{}, max);
      break;
    case MetricType::kHistogram:
      family = std::make_unique<Histogram>(this, name, help, type, std::move(label_names),
                                           std::move(bounds), max);
      break;
  }
  return *families_.emplace(name, std::move(family)).first->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help,
                           std::vector<std::string> label_names) {
  return static_cast<Counter&>(
      get_or_create(name, help, MetricType::kCounter, std::move(label_names), {}));
}

Gauge& Registry::gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> label_names) {
  return static_cast<Gauge&>(
      get_or_create(name, help, MetricType::kGauge, std::move(label_names), {}));
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names,
                               std::vector<double> bucket_bounds) {
  return static_cast<Histogram&>(get_or_create(name, help, MetricType::kHistogram,
                                               std::move(label_names), std::move(bucket_bounds)));
}

void Registry::add_collector(std::function<void()> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

void Registry::set_max_label_values(size_t max) {
  std::lock_guard lock(mutex_);
  max_label_values_ = max;
  for (auto& [name, family] : families_) {
    if (family.get() != folds_) family->set_max_label_values(max);
  }
}

size_t Registry::max_label_values() const {
  std::lock_guard lock(mutex_);
  return max_label_values_;
}

void Registry::record_folds(const std::string& metric, uint64_t folds) {
  folds_->inc({metric}, static_cast<double>(folds));
}

std::vector<FamilySnapshot> Registry::snapshot() {
  std::vector<std::function<void()>> collectors;
  std::vector<Family*> families;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
    for (auto& [name, family] : families_) families.push_back(family.get());
  }
  for (auto& collect : collectors) collect();
  std::vector<FamilySnapshot> out;
  out.reserve(families.size());
  for (Family* family : families) out.push_back(family->snapshot());
  return out;
}

std::string Registry::render() {
  return render_text(snapshot());
}

}  // namespace ksight::metrics
