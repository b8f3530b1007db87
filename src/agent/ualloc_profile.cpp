// The kernel-free half of the user allocation profiler: the exponential
// table the BPF side draws from, unsampling and the pprof shape.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "agent/ualloc_profiler.h"

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

std::vector<uint64_t> splice_caller(std::vector<uint64_t> stack, uint64_t caller) {
  if (caller == 0 || (stack.size() > 1 && stack[1] == caller)) return stack;
  stack.insert(stack.begin() + (stack.empty() ? 0 : 1), caller);
  return stack;
}

std::vector<StackRecord> unsample_counts(const std::vector<UserAllocCount>& counts, uint64_t rate) {
  using Key = std::tuple<uint32_t, std::string, std::vector<uint64_t>>;
  std::map<Key, std::vector<double>> sums;
  for (const auto& c : counts) {
    if (c.allocs == 0 && c.live == 0) continue;
    double scale = unsample_scale(c.size, rate);
    auto& v = sums[{c.pid, c.comm, c.user}];
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
    r.user = std::get<2>(key);
    for (double x : v) r.values.push_back(std::llround(x));
    out.push_back(std::move(r));
  }
  return out;
}

profile::Profile build_user_alloc_profile(const std::vector<StackRecord>& records,
                                          symbolizer::Symbolizer& symbolizer, uint64_t rate,
                                          int64_t time_nanos, int64_t duration_nanos) {
  profile::Profile p;
  p.sample_types = {{"alloc_objects", "count"},
                    {"alloc_space", "bytes"},
                    {"inuse_objects", "count"},
                    {"inuse_space", "bytes"}};
  // As Go's heap profiles: the period is the sampling rate in bytes.
  p.period_type = {"space", "bytes"};
  p.period = static_cast<int64_t>(std::max<uint64_t>(rate, 1));
  p.default_sample_type = "alloc_space";
  p.time_nanos = time_nanos;
  p.duration_nanos = duration_nanos;
  add_stack_samples(p, records, symbolizer);
  return p;
}

AllocatorLibraries find_allocator_libraries(const std::string& maps, const std::string& root) {
  AllocatorLibraries libs;
  std::istringstream in(maps);
  std::string line;
  while (std::getline(in, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (path.ends_with(" (deleted)")) continue;  // replaced on disk: the path is another file
    std::string base = path.substr(path.rfind('/') + 1);
    // glibc (libc.so.6, old libc-2.x.so) or musl (its libc is the loader).
    bool libc = base == "libc.so.6" || base.starts_with("libc-2.") ||
                base.starts_with("ld-musl-") || base.starts_with("libc.musl-");
    if (libs.libc.empty() && libc)
      libs.libc = root + path;
    else if (libs.libstdcxx.empty() && base.starts_with("libstdc++.so"))
      libs.libstdcxx = root + path;
  }
  return libs;
}

}  // namespace ksight::agent
