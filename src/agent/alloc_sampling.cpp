#include "agent/alloc_sampling.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace ksight::agent {

double unsample_scale(uint64_t size, uint64_t rate) {
  if (rate <= 1 || size == 0) return 1.0;
  double p = -std::expm1(-static_cast<double>(size) / static_cast<double>(rate));
  return p > 0 ? 1.0 / p : 1.0;
}

std::vector<uint64_t> exponential_edges(uint64_t mean, size_t bins) {
  std::vector<uint64_t> edges(bins + 1, 0);
  if (mean <= 1 || bins == 0) return edges;
  double m = static_cast<double>(mean);
  for (size_t i = 0; i < bins; ++i) {
    double q = -std::log1p(-static_cast<double>(i) / static_cast<double>(bins));
    edges[i] = static_cast<uint64_t>(std::llround(q * m));
  }
  edges[bins] = edges[bins - 1] + 2 * mean;
  return edges;
}

std::vector<StackRecord> unsample_counts(const std::vector<AllocCount>& counts, uint64_t rate) {
  using Key = std::tuple<uint32_t, std::string, std::vector<uint64_t>, std::vector<uint64_t>>;
  std::map<Key, std::vector<double>> sums;
  for (const auto& c : counts) {
    if (c.allocs == 0 && c.live == 0) continue;
    double scale = unsample_scale(c.size, rate);
    auto& v = sums[{c.pid, c.comm, c.kernel, c.user}];
    v.resize(4, 0.0);
    double size = static_cast<double>(c.size);
    v[0] += static_cast<double>(c.allocs) * scale;
    v[1] += static_cast<double>(c.allocs) * size * scale;
    v[2] += static_cast<double>(c.live) * scale;
    v[3] += static_cast<double>(c.live) * size * scale;
  }
  std::vector<StackRecord> out;
  for (auto& [key, v] : sums) {
    StackRecord r;
    r.pid = std::get<0>(key);
    r.comm = std::get<1>(key);
    r.kernel = std::get<2>(key);
    r.user = std::get<3>(key);
    for (double x : v) r.values.push_back(std::llround(x));
    out.push_back(std::move(r));
  }
  return out;
}

profile::Profile build_alloc_profile(const std::vector<StackRecord>& records,
                                     symbolizer::Symbolizer& symbolizer, uint64_t rate,
                                     int64_t time_nanos, int64_t duration_nanos) {
  profile::Profile p;
  p.sample_types = {{"alloc_objects", "count"},
                    {"alloc_space", "bytes"},
                    {"inuse_objects", "count"},
                    {"inuse_space", "bytes"}};
  p.period_type = {"space", "bytes"};
  p.period = static_cast<int64_t>(std::max<uint64_t>(rate, 1));
  p.default_sample_type = "alloc_space";
  p.time_nanos = time_nanos;
  p.duration_nanos = duration_nanos;
  add_stack_samples(p, records, symbolizer);
  return p;
}

}  // namespace ksight::agent
