#include "export/otlp/otlp_wire.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "build_info.h"
#include "common/utf8_text.h"
#include "export/otlp/otlp_encode.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace ksight::otel {
namespace {

namespace pb_collector = opentelemetry::proto::collector::trace::v1;
namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_resource = opentelemetry::proto::resource::v1;
namespace pb_trace = opentelemetry::proto::trace::v1;
using google::protobuf::io::CodedOutputStream;
using WFL = google::protobuf::internal::WireFormatLite;

size_t varint_size(uint64_t v) {
  return CodedOutputStream::VarintSize64(v);
}
size_t tag_size(int field) {
  return varint_size(WFL::MakeTag(field, WFL::WIRETYPE_VARINT));
}
// A length-delimited field of `len` bytes, tag and length included.
size_t delimited_size(int field, size_t len) {
  return tag_size(field) + varint_size(len) + len;
}

// Writes fields in wire form at the end of one std::string. Small writes
// (tags, lengths, varints, short strings) gather in a local buffer that is
// appended in one go: std::string::append per varint, a call and a capacity
// check each, was 12% of the agent's CPU. (Growing the string and writing
// through a pointer instead zero-fills every byte first: slower.)
// finish() appends what is still gathered.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  size_t size() const { return out_.size() + used_; }
  void finish() { flush(); }

  void varint(uint64_t v) {
    uint8_t* p = room(10);
    used_ += static_cast<size_t>(CodedOutputStream::WriteVarint64ToArray(v, p) - p);
  }
  void tag(int field, WFL::WireType type) { varint(WFL::MakeTag(field, type)); }
  void varint_field(int field, uint64_t v) {
    tag(field, WFL::WIRETYPE_VARINT);
    varint(v);
  }
  void fixed64_field(int field, uint64_t v) {
    tag(field, WFL::WIRETYPE_FIXED64);
    CodedOutputStream::WriteLittleEndian64ToArray(v, room(8));
    used_ += 8;
  }
  // The header of a length-delimited field whose `len` bytes follow.
  void delimited(int field, size_t len) {
    tag(field, WFL::WIRETYPE_LENGTH_DELIMITED);
    varint(len);
  }
  void bytes_field(int field, std::string_view data) {
    delimited(field, data.size());
    raw(data);
  }
  void raw(std::string_view data) {
    if (data.size() > sizeof buf_ / 2) {  // long: straight to the string
      flush();
      out_.append(data);
      return;
    }
    std::memcpy(room(data.size()), data.data(), data.size());
    used_ += data.size();
  }

 private:
  uint8_t* room(size_t n) {
    if (used_ + n > sizeof buf_) flush();
    return buf_ + used_;
  }
  void flush() {
    out_.append(reinterpret_cast<const char*>(buf_), used_);
    used_ = 0;
  }

  std::string& out_;
  uint8_t buf_[256];
  size_t used_ = 0;
};

// Text as the receiver must get it (UTF-8); `scratch` holds a repaired copy.
std::string_view utf8_view(const std::string& text, std::string& scratch) {
  if (is_utf8(text)) return text;
  scratch = to_utf8(text);
  return scratch;
}

// One attribute as a KeyValue: key, then an AnyValue with the one member
// set (oneof members are written even when zero, as the generated code does).
struct EncodedAttribute {
  std::string_view key;
  int value_field = 0;
  std::string_view text;  // string_value
  uint64_t number = 0;    // int/bool as varint, double as its bits
  std::string scratch;

  explicit EncodedAttribute(const Attribute& a) : key(a.key) {
    std::visit(
        [this](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) {
            value_field = pb_common::AnyValue::kStringValueFieldNumber;
            text = utf8_view(x, scratch);
          } else if constexpr (std::is_same_v<T, bool>) {
            value_field = pb_common::AnyValue::kBoolValueFieldNumber;
            number = x ? 1 : 0;
          } else if constexpr (std::is_same_v<T, int64_t>) {
            value_field = pb_common::AnyValue::kIntValueFieldNumber;
            number = static_cast<uint64_t>(x);
          } else {
            value_field = pb_common::AnyValue::kDoubleValueFieldNumber;
            std::memcpy(&number, &x, sizeof number);
          }
        },
        a.value);
  }
  size_t any_value_size() const {
    if (value_field == pb_common::AnyValue::kStringValueFieldNumber) {
      return delimited_size(value_field, text.size());
    }
    if (value_field == pb_common::AnyValue::kDoubleValueFieldNumber)
      return tag_size(value_field) + 8;
    return tag_size(value_field) + varint_size(number);
  }
  size_t size() const {
    size_t n = delimited_size(pb_common::KeyValue::kValueFieldNumber, any_value_size());
    if (!key.empty()) n += delimited_size(pb_common::KeyValue::kKeyFieldNumber, key.size());
    return n;
  }
  void write(Writer& w) const {
    if (!key.empty()) w.bytes_field(pb_common::KeyValue::kKeyFieldNumber, key);
    w.delimited(pb_common::KeyValue::kValueFieldNumber, any_value_size());
    if (value_field == pb_common::AnyValue::kStringValueFieldNumber) {
      w.bytes_field(value_field, text);
    } else if (value_field == pb_common::AnyValue::kDoubleValueFieldNumber) {
      w.fixed64_field(value_field, number);
    } else {
      w.varint_field(value_field, number);
    }
  }
};

// A repeated KeyValue field (span or resource attributes).
void write_attributes(Writer& w, int field, const std::vector<Attribute>& attrs) {
  for (const auto& a : attrs) {
    EncodedAttribute kv(a);
    w.delimited(field, kv.size());
    kv.write(w);
  }
}

// One Span message body, fields in number order as the generated code
// writes them; proto3 scalars equal to zero are left out.
void write_span(Writer& w, const Span& s) {
  using S = pb_trace::Span;
  std::string scratch;
  auto id = [](const auto& bytes) {
    return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  };
  w.bytes_field(S::kTraceIdFieldNumber, id(s.trace_id));
  w.bytes_field(S::kSpanIdFieldNumber, id(s.span_id));
  if (!is_zero(s.parent_span_id)) w.bytes_field(S::kParentSpanIdFieldNumber, id(s.parent_span_id));
  std::string_view name = utf8_view(s.name, scratch);
  if (!name.empty()) w.bytes_field(S::kNameFieldNumber, name);
  w.varint_field(S::kKindFieldNumber, otlp_span_kind(s.kind));
  if (s.start_unix_ns) w.fixed64_field(S::kStartTimeUnixNanoFieldNumber, s.start_unix_ns);
  if (s.end_unix_ns) w.fixed64_field(S::kEndTimeUnixNanoFieldNumber, s.end_unix_ns);
  write_attributes(w, S::kAttributesFieldNumber, s.attributes);
  if (s.status != StatusCode::kUnset) {
    using St = pb_trace::Status;
    std::string_view message = utf8_view(s.status_message, scratch);
    auto code = static_cast<uint64_t>(s.status);
    size_t len = (message.empty() ? 0 : delimited_size(St::kMessageFieldNumber, message.size())) +
                 (code ? tag_size(St::kCodeFieldNumber) + varint_size(code) : 0);
    w.delimited(S::kStatusFieldNumber, len);
    if (!message.empty()) w.bytes_field(St::kMessageFieldNumber, message);
    if (code) w.varint_field(St::kCodeFieldNumber, code);
  }
}

// The spans of one Resource, in the order they came.
struct Group {
  const Resource* resource = nullptr;
  std::vector<std::pair<size_t, size_t>> spans;  // offset, length in `bodies`
};

std::string resource_body(const Resource* r) {
  std::string out;
  if (!r || r->attributes.empty()) return out;
  Writer w(out);
  write_attributes(w, pb_resource::Resource::kAttributesFieldNumber, r->attributes);
  w.finish();
  return out;
}

std::string scope_body() {
  std::string out;
  Writer w(out);
  w.bytes_field(pb_common::InstrumentationScope::kNameFieldNumber, "ksight");
  w.bytes_field(pb_common::InstrumentationScope::kVersionFieldNumber, ksight::kVersion);
  w.finish();
  return out;
}

}  // namespace

std::string serialize_export_request(const std::vector<Span>& spans) {
  // Pass 1: every span body once, grouped by resource in first-seen order.
  std::string bodies;
  std::vector<Group> groups;
  std::unordered_map<const Resource*, size_t> group_of;
  bodies.reserve(spans.size() * 512);
  Writer bw(bodies);
  for (const auto& s : spans) {
    auto [it, fresh] = group_of.try_emplace(s.resource.get(), groups.size());
    if (fresh) groups.push_back({s.resource.get(), {}});
    size_t start = bw.size();
    write_span(bw, s);
    groups[it->second].spans.emplace_back(start, bw.size() - start);
  }
  bw.finish();
  // Pass 2: the nesting, now that every length is known.
  using RS = pb_trace::ResourceSpans;
  using SS = pb_trace::ScopeSpans;
  const std::string scope = scope_body();
  std::string out;
  out.reserve(bodies.size() + groups.size() * 256 + spans.size() * 4);
  Writer w(out);
  for (const auto& g : groups) {
    std::string resource = resource_body(g.resource);
    size_t scope_spans_len = delimited_size(SS::kScopeFieldNumber, scope.size());
    for (const auto& [offset, len] : g.spans)
      scope_spans_len += delimited_size(SS::kSpansFieldNumber, len);
    size_t resource_spans_len = delimited_size(RS::kScopeSpansFieldNumber, scope_spans_len);
    if (!resource.empty())
      resource_spans_len += delimited_size(RS::kResourceFieldNumber, resource.size());
    w.delimited(pb_collector::ExportTraceServiceRequest::kResourceSpansFieldNumber,
                resource_spans_len);
    if (!resource.empty()) w.bytes_field(RS::kResourceFieldNumber, resource);
    w.delimited(RS::kScopeSpansFieldNumber, scope_spans_len);
    w.bytes_field(SS::kScopeFieldNumber, scope);
    for (const auto& [offset, len] : g.spans) {
      w.bytes_field(SS::kSpansFieldNumber, std::string_view(bodies).substr(offset, len));
    }
  }
  w.finish();
  return out;
}

std::optional<PartialSuccess> parse_export_response(std::string_view bytes) {
  using google::protobuf::UnknownField;
  using google::protobuf::UnknownFieldSet;
  constexpr int kPartialSuccess = 1, kRejectedSpans = 1, kErrorMessage = 2;
  PartialSuccess out;
  UnknownFieldSet response;
  if (!response.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  for (int i = 0; i < response.field_count(); ++i) {
    const UnknownField& f = response.field(i);
    if (f.number() != kPartialSuccess || f.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    UnknownFieldSet partial;
    if (!partial.ParseFromString(f.length_delimited())) return std::nullopt;
    for (int j = 0; j < partial.field_count(); ++j) {
      const UnknownField& g = partial.field(j);
      if (g.number() == kRejectedSpans && g.type() == UnknownField::TYPE_VARINT)
        out.rejected_spans = static_cast<int64_t>(g.varint());
      if (g.number() == kErrorMessage && g.type() == UnknownField::TYPE_LENGTH_DELIMITED)
        out.error_message = g.length_delimited();
    }
  }
  return out;
}

}  // namespace ksight::otel
