#include "otel/red_metrics.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ksight::otel {
namespace {

struct KeyView {
  std::string_view method, path, service;
  int status = 0;
  bool client = false;  // always false without the kind label
};

struct Key {
  std::string method, path, service;
  int status = 0;
  bool client = false;
  KeyView view() const { return {method, path, service, status, client}; }
};

struct KeyHash {
  using is_transparent = void;
  size_t operator()(const KeyView& k) const {
    std::hash<std::string_view> h;
    size_t v = h(k.method);
    v = v * 31 + h(k.path);
    v = v * 31 + h(k.service);
    return (v * 31 + static_cast<size_t>(k.status)) * 2 + k.client;
  }
  size_t operator()(const Key& k) const { return (*this)(k.view()); }
};

struct KeyEqual {
  using is_transparent = void;
  static KeyView v(const KeyView& k) { return k; }
  static KeyView v(const Key& k) { return k.view(); }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    KeyView x = v(a), y = v(b);
    return x.status == y.status && x.client == y.client && x.method == y.method &&
           x.path == y.path && x.service == y.service;
  }
};

struct Pending {
  uint64_t count = 0;
  double sum = 0;
  std::vector<uint64_t> buckets;  // per bucket, not cumulative; last: +Inf
};

// Series kept between flushes. Past this many, the map is flushed and
// emptied (the registry's own guard bounds what it keeps; this bounds us).
constexpr size_t kMaxSeries = 8192;

}  // namespace

struct RedMetrics::State {
  State(metrics::Registry& registry, std::vector<double> bounds, bool kind_label)
      : kind_label(kind_label),
        bounds(std::move(bounds)),
        requests(registry.counter("http_requests_total",
                                  "HTTP/1.x requests seen in socket syscalls (server and client).",
                                  label_names(kind_label))),
        duration(registry.histogram("http_request_duration_seconds",
                                    "First request byte to last response byte.",
                                    label_names(kind_label), this->bounds)) {}

  static std::vector<std::string> label_names(bool kind_label) {
    std::vector<std::string> names{"method", "path", "status", "service"};
    if (kind_label) names.push_back("kind");
    return names;
  }

  void flush_locked() {
    for (auto& [key, p] : series) {
      if (p.count == 0) continue;
      metrics::LabelValues labels{key.method, key.path, std::to_string(key.status), key.service};
      if (kind_label) labels.push_back(key.client ? "client" : "server");
      requests.inc(labels, static_cast<double>(p.count));
      duration.add_buckets(labels, p.buckets, p.sum);
      p.count = 0;
      p.sum = 0;
      std::fill(p.buckets.begin(), p.buckets.end(), 0);
    }
  }

  std::mutex mutex;
  const bool kind_label;
  std::vector<double> bounds;
  metrics::Counter& requests;
  metrics::Histogram& duration;
  std::unordered_map<Key, Pending, KeyHash, KeyEqual> series;
};

RedMetrics::RedMetrics(metrics::Registry& registry, std::vector<double> buckets, bool kind_label)
    : state_(std::make_shared<State>(registry, std::move(buckets), kind_label)) {
  // The registry outlives sources that come and go (reloads): it holds only
  // a weak reference, so a collector of a gone pipeline does nothing.
  registry.add_collector([weak = std::weak_ptr<State>(state_)] {
    if (auto s = weak.lock()) {
      std::lock_guard lock(s->mutex);
      s->flush_locked();
    }
  });
}

RedMetrics::~RedMetrics() {
  flush();
}

void RedMetrics::observe(std::string_view method, std::string_view path, int status,
                         std::string_view service, bool client, double seconds) {
  State& s = *state_;
  client = client && s.kind_label;
  std::lock_guard lock(s.mutex);
  auto it = s.series.find(KeyView{method, path, service, status, client});
  if (it == s.series.end()) {
    if (s.series.size() >= kMaxSeries) {
      s.flush_locked();
      s.series.clear();
    }
    Pending fresh;
    fresh.buckets.assign(s.bounds.size() + 1, 0);
    it = s.series
             .emplace(
                 Key{std::string(method), std::string(path), std::string(service), status, client},
                 std::move(fresh))
             .first;
  }
  Pending& p = it->second;
  // Same rule as metrics::Histogram::observe: a value on a bound is in it.
  size_t bucket = std::lower_bound(s.bounds.begin(), s.bounds.end(), seconds) - s.bounds.begin();
  ++p.buckets[bucket];
  ++p.count;
  p.sum += seconds;
}

void RedMetrics::flush() {
  std::lock_guard lock(state_->mutex);
  state_->flush_locked();
}

}  // namespace ksight::otel
