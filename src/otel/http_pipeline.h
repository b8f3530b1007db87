#pragma once
// Captured payloads → exchanges → spans + RED metrics. The agent's HTTP
// source (src/agent/http_source.*) decodes ring-buffer records into Payloads
// and calls on_payload; everything here runs without a kernel.
//
// Metrics (in the agent's registry, for the dashboards teams already have):
//   http_requests_total{method,path,status,service}
//   http_request_duration_seconds{method,path,status,service}  (histogram)
// Both sides count: a SERVER exchange under the serving process's service,
// a CLIENT one under the calling process's service; with
// metrics_kind_label, a fifth label kind="server"|"client" tells them apart.
//
// Spans: every exchange counts in the metrics; only sampled ones become
// spans (parent-based: a traceparent's sampled flag decides, else
// trace_sampled(trace id, span_sample_ratio)), and only when someone takes
// them. on_span gets built spans on the calling thread (tests,
// --print-spans); a pending sink (set_pending_sink, the exporter) gets
// PendingHttpSpans to build later on its own thread. Neither: no spans are
// built at all (`--http` alone, metrics only).
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics/registry.h"
#include "otel/http_tracker.h"
#include "otel/path_normalizer.h"
#include "otel/red_metrics.h"
#include "otel/span.h"

namespace ksight::otel {

inline const std::vector<double> kDefaultDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,   1,    2.5,   5,    10};

struct HttpPipelineOptions {
  std::vector<std::string> routes{};  // route templates, "/users/{id}"
  size_t max_paths = 500;
  std::vector<double> buckets = kDefaultDurationBuckets;
  HttpTrackerOptions tracker{};
  std::string host_name{};                                       // resource host.name
  std::shared_ptr<const ExtraAttributes> resource_attributes{};  // on every resource
  int64_t boot_to_unix_ns = 0;
  uint64_t id_seed = 0;             // 0: random
  double span_sample_ratio = 1.0;   // head sampling of traces without a parent decision
  bool metrics_kind_label = false;  // RED metrics: kind="server"|"client" (red_metrics.h)
};

class HttpPipeline {
 public:
  using IdentityFn = std::function<ProcessIdentity(uint32_t pid, const std::string& comm)>;
  using SpanFn = std::function<void(Span&&)>;
  using PendingFn = std::function<void(PendingHttpSpan&&)>;

  HttpPipeline(metrics::Registry& registry, HttpPipelineOptions options, IdentityFn identity,
               SpanFn on_span);

  // Sampled spans go here unbuilt; on_span (when set) still gets them built.
  void set_pending_sink(PendingFn fn) { on_pending_ = std::move(fn); }

  void on_payload(const Payload& p) { tracker_.on_payload(p); }
  void on_close(uint32_t pid, int32_t fd, uint64_t ts_ns) { tracker_.on_close(pid, fd, ts_ns); }
  // Periodic upkeep: idle connections, stale resources, tracker counters.
  void collect(uint64_t now_ns);
  // The RED metrics observed so far into the registry (a scrape does this
  // too, before it renders; collect() as well).
  void flush_metrics() { red_.flush(); }
  void forget(uint32_t pid) { resources_.erase(pid); }

  const HttpTracker& tracker() const { return tracker_; }

 private:
  struct ProcessEntry {
    std::shared_ptr<const Resource> resource;
    std::string service;  // the resource's service.name, the metrics label
  };
  void on_exchange(HttpExchange&& x);
  const ProcessEntry& process_for(uint32_t pid, const std::string& comm);
  bool sampled(const HttpExchange& x) const;

  HttpPipelineOptions options_;
  IdentityFn identity_;
  SpanFn on_span_;
  PendingFn on_pending_;
  PathNormalizer paths_;
  HttpTracker tracker_;
  std::unordered_map<uint32_t, ProcessEntry> resources_;
  RedMetrics red_;
  metrics::Counter& parse_events_;
  metrics::Counter& sampled_out_;
  uint64_t sampled_out_count_ = 0;  // mirrored into sampled_out_ by collect()
};

}  // namespace ksight::otel
