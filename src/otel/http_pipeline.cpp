#include "otel/http_pipeline.h"

#include <variant>

namespace ksight::otel {

HttpPipeline::HttpPipeline(metrics::Registry& registry, HttpPipelineOptions options,
                           IdentityFn identity, SpanFn on_span)
    : options_(std::move(options)),
      identity_(std::move(identity)),
      on_span_(std::move(on_span)),
      paths_(options_.routes, options_.max_paths),
      tracker_(
          options_.tracker, [this](HttpExchange&& x) { on_exchange(std::move(x)); },
          options_.id_seed),
      red_(registry, options_.buckets, options_.metrics_kind_label),
      parse_events_(registry.counter("ksight_http_parser_events_total",
                                     "HTTP stream parser and pairing outcomes (orphan "
                                     "responses, dropped pending requests, requests whose "
                                     "connection ended unanswered, resyncs, TLS/other "
                                     "connections, client requests left without a parent "
                                     "because their thread was serving several requests).",
                                     {"event"})),
      sampled_out_(registry.counter("ksight_spans_sampled_out_total",
                                    "HTTP exchanges counted in the RED metrics whose span was "
                                    "not built: head sampling (--http-span-sample-ratio) or "
                                    "an unsampled traceparent.")) {}

const HttpPipeline::ProcessEntry& HttpPipeline::process_for(uint32_t pid, const std::string& comm) {
  auto it = resources_.find(pid);
  if (it != resources_.end()) return it->second;
  ProcessIdentity id = identity_ ? identity_(pid, comm) : ProcessIdentity{};
  id.pid = pid;
  if (id.comm.empty()) id.comm = comm;
  ProcessEntry entry;
  entry.resource = make_resource(id, options_.host_name, options_.resource_attributes);
  const Attribute* svc = entry.resource->find("service.name");
  entry.service = svc ? std::get<std::string>(svc->value) : comm;
  if (resources_.size() > 65536) resources_.clear();
  return resources_.emplace(pid, std::move(entry)).first->second;
}

bool HttpPipeline::sampled(const HttpExchange& x) const {
  if (x.parent_sampled) return *x.parent_sampled;
  return trace_sampled(x.trace_id, options_.span_sample_ratio);
}

// Per exchange: the path normalised once (metrics label, span name and
// http.route), the metrics, then a span only if it is sampled and wanted.
void HttpPipeline::on_exchange(HttpExchange&& x) {
  const ProcessEntry& proc = process_for(x.pid, x.comm);
  NormalizedPath np = paths_.normalize(x.request.target);
  double secs = static_cast<double>(x.end_ns > x.start_ns ? x.end_ns - x.start_ns : 0) / 1e9;
  std::string_view method = is_standard_http_method(x.request.method)
                                ? std::string_view(x.request.method)
                                : std::string_view("_OTHER");
  red_.observe(method, np.path, x.response.status, proc.service, x.kind == SpanKind::kClient, secs);
  if (!on_span_ && !on_pending_) return;
  if (!sampled(x)) {
    ++sampled_out_count_;
    return;
  }
  if (on_span_) on_span_(build_http_span(x, proc.resource, np.route, options_.boot_to_unix_ns));
  if (on_pending_) {
    on_pending_(PendingHttpSpan{std::move(x), proc.resource, std::move(np.route),
                                options_.boot_to_unix_ns});
  }
}

void HttpPipeline::collect(uint64_t now_ns) {
  // Before the metrics flush: a response that ended with its connection
  // counts in this scrape. Half a second of silence: a server writes its
  // body and closes within microseconds; a slower stream stays held.
  tracker_.end_quiet_responses(now_ns, 500'000'000);
  red_.flush();
  tracker_.expire(now_ns, 300ull * 1'000'000'000);
  const HttpTrackerStats& s = tracker_.stats();
  parse_events_.set_total({"orphan_response"}, static_cast<double>(s.orphan_responses));
  parse_events_.set_total({"pending_dropped"}, static_cast<double>(s.pending_dropped));
  parse_events_.set_total({"unanswered"}, static_cast<double>(s.unanswered));
  parse_events_.set_total({"connection_evicted"}, static_cast<double>(s.connections_evicted));
  parse_events_.set_total({"tls_connection"}, static_cast<double>(s.tls_connections));
  parse_events_.set_total({"other_connection"}, static_cast<double>(s.other_connections));
  parse_events_.set_total({"resync"}, static_cast<double>(s.resyncs));
  parse_events_.set_total({"ambiguous_parent"}, static_cast<double>(s.ambiguous_parents));
  sampled_out_.set_total({}, static_cast<double>(sampled_out_count_));
}

}  // namespace ksight::otel
