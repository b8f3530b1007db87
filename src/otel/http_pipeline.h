#pragma once
// Captured payloads → exchanges → spans + RED metrics. The agent's HTTP
// source (src/agent/http_source.*) decodes ring-buffer records into Payloads
// and calls on_payload; everything here runs without a kernel.
//
// Metrics (in the agent's registry, for the dashboards teams already have):
//   http_requests_total{method,path,status,service}
//   http_request_duration_seconds{method,path,status,service}  (histogram)
// Both sides count: a SERVER exchange under the serving process's service,
// a CLIENT one under the calling process's service.
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics/registry.h"
#include "otel/http_tracker.h"
#include "otel/path_normalizer.h"
#include "otel/span.h"

namespace ksight::otel {

inline const std::vector<double> kDefaultDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,   1,    2.5,   5,    10};

struct HttpPipelineOptions {
  std::vector<std::string> routes;  // route templates, "/users/{id}"
  size_t max_paths = 500;
  std::vector<double> buckets = kDefaultDurationBuckets;
  HttpTrackerOptions tracker;
  std::string host_name;  // resource host.name
  int64_t boot_to_unix_ns = 0;
  uint64_t id_seed = 0;  // 0: random
};

class HttpPipeline {
 public:
  using IdentityFn = std::function<ProcessIdentity(uint32_t pid, const std::string& comm)>;
  using SpanFn = std::function<void(Span&&)>;

  HttpPipeline(metrics::Registry& registry, HttpPipelineOptions options, IdentityFn identity,
               SpanFn on_span);

  void on_payload(const Payload& p) { tracker_.on_payload(p); }
  void on_close(uint32_t pid, int32_t fd, uint64_t ts_ns) { tracker_.on_close(pid, fd, ts_ns); }
  // Periodic upkeep: idle connections, stale resources, tracker counters.
  void collect(uint64_t now_ns);
  void forget(uint32_t pid) { resources_.erase(pid); }

  const HttpTracker& tracker() const { return tracker_; }

 private:
  void on_exchange(HttpExchange&& x);
  std::shared_ptr<const Resource> resource_for(uint32_t pid, const std::string& comm);

  HttpPipelineOptions options_;
  IdentityFn identity_;
  SpanFn on_span_;
  PathNormalizer paths_;
  SpanBuilder builder_;
  HttpTracker tracker_;
  std::unordered_map<uint32_t, std::shared_ptr<const Resource>> resources_;
  metrics::Counter& requests_;
  metrics::Histogram& duration_;
  metrics::Counter& parse_events_;
};

}  // namespace ksight::otel
