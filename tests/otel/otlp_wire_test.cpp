// serialize_export_request (src/export/otlp/otlp_wire.cpp) against the classes
// generated from the official protos: the same bytes for the same spans,
// and bytes the official parser reads back.
#include "export/otlp/otlp_wire.h"

#include <gtest/gtest.h>

#include "export/otlp/otlp_encode.h"
#include "otel/trace_context.h"

namespace ksight::otel {
namespace {

std::shared_ptr<const Resource> resource(uint32_t pid, const std::string& comm) {
  ProcessIdentity id;
  id.pid = pid;
  id.comm = comm;
  id.container_id = "c0ffee";
  return make_resource(id, "node-1");
}

HttpExchange exchange(SpanKind kind, int status, const std::string& target) {
  HttpExchange x;
  x.kind = kind;
  x.request.method = "POST";
  x.request.target = target;
  x.request.version = "1.1";
  x.request.host = "shop.local:8080";
  x.request.user_agent = "curl/7.88.1";
  x.response.status = status;
  x.local = {"10.0.0.1", 8080};
  x.peer = {"10.0.0.2", 51000};
  x.start_ns = 1000;
  x.end_ns = 2'500'000;
  return x;
}

// Spans that exercise every field and value shape the agent produces.
std::vector<Span> varied_spans() {
  PathNormalizer paths({"/users/{id}"});
  SpanBuilder b(paths, 1'700'000'000'000'000'000);
  IdGenerator ids(11);
  auto r1 = resource(1, "nginx");
  auto r2 = resource(2, "curl");
  std::vector<Span> spans;
  for (int i = 0; i < 300; ++i) {  // > 127 spans: multi-byte lengths everywhere
    auto kind = i % 3 ? SpanKind::kServer : SpanKind::kClient;
    int status = i % 7 == 0 ? 503 : (i % 5 == 0 ? 404 : 200);
    HttpExchange x =
        exchange(kind, status,
                 "/users/" + std::to_string(i) + "?q=" + std::string(static_cast<size_t>(i), 'x'));
    x.trace_id = ids.trace_id();
    x.span_id = ids.span_id();
    if (i % 4 == 0) x.parent_span_id = ids.span_id();
    if (i % 11 == 0) x.request.headers_truncated = true;  // a bool attribute
    spans.push_back(b.build(x, i % 2 ? r1 : r2));
  }
  Span internal;  // function-span shape: INTERNAL, no resource, odd values
  internal.trace_id = ids.trace_id();
  internal.span_id = ids.span_id();
  internal.name = "handle request";
  internal.attributes.push_back({"code.function", std::string("handle")});
  internal.attributes.push_back({"ksight.ret", int64_t{-5}});
  internal.attributes.push_back({"ksight.ratio", 0.25});
  internal.attributes.push_back({"ksight.zero", int64_t{0}});
  internal.attributes.push_back({"ksight.off", false});
  internal.attributes.push_back({"ksight.empty", std::string()});
  spans.push_back(internal);
  Span bare;  // nothing but ids: zero times, empty name
  bare.trace_id = ids.trace_id();
  bare.span_id = ids.span_id();
  bare.resource = r1;
  spans.push_back(bare);
  return spans;
}

TEST(OtlpWire, SameBytesAsTheGeneratedClasses) {
  std::vector<Span> spans = varied_spans();
  std::string ours = serialize_export_request(spans);
  std::string generated = encode_spans(spans).SerializeAsString();
  ASSERT_EQ(ours.size(), generated.size());
  EXPECT_TRUE(ours == generated);
}

TEST(OtlpWire, EmptyAndSingleBatches) {
  EXPECT_EQ(serialize_export_request({}), encode_spans({}).SerializeAsString());
  std::vector<Span> one = {varied_spans().front()};
  EXPECT_EQ(serialize_export_request(one), encode_spans(one).SerializeAsString());
}

TEST(OtlpWire, TextThatIsNotUtf8ParsesBack) {
  PathNormalizer paths;
  SpanBuilder b(paths, 0);
  HttpExchange x = exchange(SpanKind::kServer, 500, "/caf\xE9/\xFF");
  x.request.method = "G\x80T";
  std::vector<Span> spans = {b.build(x, resource(3, "bad\xFE"))};
  spans[0].name = x.request.method;
  spans[0].status_message = "HTTP 500 \xFF";
  std::string ours = serialize_export_request(spans);
  EXPECT_EQ(ours, encode_spans(spans).SerializeAsString());
  ExportRequest back;
  ASSERT_TRUE(back.ParseFromString(ours));
  const auto& span = back.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.name(), "G\xEF\xBF\xBDT");
  EXPECT_EQ(span.status().message(), "HTTP 500 \xEF\xBF\xBD");
}

TEST(OtlpWire, ResponsesWithoutPartialSuccessAreClean) {
  auto empty = parse_export_response("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->rejected_spans, 0);
  EXPECT_EQ(empty->error_message, "");
  EXPECT_FALSE(parse_export_response("\xff"));  // a truncated varint tag
  // Another field number (a future extension) is not a partial success.
  auto other = parse_export_response(std::string("\x10\x05", 2));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->rejected_spans, 0);
}

}  // namespace
}  // namespace ksight::otel
