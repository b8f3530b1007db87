#include "export/otlp/otlp_encode.h"

#include <map>

#include "build_info.h"
#include "common/utf8_text.h"

namespace ksight::otel {
namespace {

namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_trace = opentelemetry::proto::trace::v1;

// proto3 `string` fields must be UTF-8, or the receiver refuses the whole
// request; span text holds bytes from the wire and the kernel (paths,
// headers, process names).
template <typename Setter>
void set_text(const std::string& text, Setter set) {
  if (is_utf8(text)) {
    set(text);
  } else {
    set(to_utf8(text));
  }
}

void encode_attribute(const Attribute& a, pb_common::KeyValue* kv) {
  kv->set_key(std::string(a.key));
  auto* v = kv->mutable_value();
  std::visit(
      [v](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          set_text(x, [v](const std::string& t) { v->set_string_value(t); });
        }
        if constexpr (std::is_same_v<T, int64_t>) v->set_int_value(x);
        if constexpr (std::is_same_v<T, bool>) v->set_bool_value(x);
        if constexpr (std::is_same_v<T, double>) v->set_double_value(x);
      },
      a.value);
}

void encode_span(const Span& s, pb_trace::Span* out) {
  out->set_trace_id(s.trace_id.data(), s.trace_id.size());
  out->set_span_id(s.span_id.data(), s.span_id.size());
  if (!is_zero(s.parent_span_id)) {
    out->set_parent_span_id(s.parent_span_id.data(), s.parent_span_id.size());
  }
  set_text(s.name, [out](const std::string& t) { out->set_name(t); });
  out->set_kind(otlp_span_kind(s.kind));
  out->set_start_time_unix_nano(s.start_unix_ns);
  out->set_end_time_unix_nano(s.end_unix_ns);
  for (const auto& a : s.attributes) encode_attribute(a, out->add_attributes());
  if (s.status != StatusCode::kUnset) {
    out->mutable_status()->set_code(static_cast<pb_trace::Status::StatusCode>(s.status));
    set_text(s.status_message,
             [out](const std::string& t) { out->mutable_status()->set_message(t); });
  }
}

void encode_into(const std::vector<Span>& spans, ExportRequest& req) {
  std::map<const Resource*, pb_trace::ScopeSpans*> scopes;
  for (const auto& s : spans) {
    auto& scope = scopes[s.resource.get()];
    if (!scope) {
      auto* rs = req.add_resource_spans();
      if (s.resource) {
        for (const auto& a : s.resource->attributes) {
          encode_attribute(a, rs->mutable_resource()->add_attributes());
        }
      }
      scope = rs->add_scope_spans();
      scope->mutable_scope()->set_name("ksight");
      scope->mutable_scope()->set_version(ksight::kVersion);
    }
    encode_span(s, scope->add_spans());
  }
}

}  // namespace

ExportRequest encode_spans(const std::vector<Span>& spans) {
  ExportRequest req;
  encode_into(spans, req);
  return req;
}

ExportRequest* encode_spans(const std::vector<Span>& spans, google::protobuf::Arena& arena) {
  auto* req = google::protobuf::Arena::CreateMessage<ExportRequest>(&arena);
  encode_into(spans, *req);
  return req;
}

pb_trace::Span::SpanKind otlp_span_kind(SpanKind k) {
  switch (k) {
    case SpanKind::kServer:
      return pb_trace::Span::SPAN_KIND_SERVER;
    case SpanKind::kClient:
      return pb_trace::Span::SPAN_KIND_CLIENT;
    default:
      return pb_trace::Span::SPAN_KIND_INTERNAL;
  }
}

}  // namespace ksight::otel
