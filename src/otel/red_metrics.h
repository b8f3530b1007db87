#pragma once
// http_requests_total and http_request_duration_seconds, aggregated per
// series here and added to the registry in bulk: at each scrape (a registry
// collector, so /metrics is always current), on flush() and on destruction.
// Why not registry updates per request: each one built a label vector of
// four strings, ran the cardinality guard and a map lookup under the
// family's lock, twice (counter and histogram) — a visible share of the
// agent's per-request CPU at tens of thousands of requests/s. Here a
// request is a hash lookup by string views (no allocation once the series
// exists), a bucket search and three additions.
//
// observe() and flush() may run on different threads (the agent's loop,
// the metrics server's scrape).
//
// Server and client requests share the series by default, with the four
// labels dashboards query ({method,path,status,service}). A proxy then counts
// a request it forwards twice (served, then sent upstream) under the same
// labels; `kind_label` adds a fifth, kind="server"|"client", to tell them
// apart (as the OpenTelemetry Collector's span metrics do with span.kind).
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "metrics/registry.h"

namespace ksight::otel {

class RedMetrics {
 public:
  RedMetrics(metrics::Registry& registry, std::vector<double> buckets, bool kind_label = false);
  ~RedMetrics();
  RedMetrics(const RedMetrics&) = delete;
  RedMetrics& operator=(const RedMetrics&) = delete;

  // client: a request the service sent (kind="client"), else one it served.
  void observe(std::string_view method, std::string_view path, int status, std::string_view service,
               bool client, double seconds);
  // Adds what was observed since the last flush to the registry.
  void flush();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ksight::otel
