// Span building per the OpenTelemetry HTTP semantic conventions, W3C ids,
// OTLP encoding.
#include "otel/span.h"

#include <gtest/gtest.h>

#include <map>

#include "export/otlp/otlp_encode.h"
#include "otel/trace_context.h"

namespace ksight::otel {
namespace {

ProcessIdentity identity(uint32_t pid, const std::string& comm) {
  ProcessIdentity id;
  id.pid = pid;
  id.comm = comm;
  return id;
}

HttpExchange exchange(SpanKind kind, int status) {
  HttpExchange x;
  x.kind = kind;
  x.request.method = "GET";
  x.request.target = "/users/42?x=1";
  x.request.version = "1.1";
  x.request.host = "shop.local:8080";
  x.request.user_agent = "curl/7.88.1";
  x.response.status = status;
  x.local = {"10.0.0.1", 8080};
  x.peer = {"10.0.0.2", 51000};
  x.start_ns = 1000;
  x.end_ns = 3000;
  x.span_id = {1, 2, 3, 4, 5, 6, 7, 8};
  x.trace_id = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
  return x;
}

std::string str(const Span& s, const char* key) {
  const Attribute* a = s.find(key);
  return a ? std::get<std::string>(a->value) : "<none>";
}
int64_t num(const Span& s, const char* key) {
  const Attribute* a = s.find(key);
  return a ? std::get<int64_t>(a->value) : -1;
}

TEST(SpanBuilder, ServerSpanAttributes) {
  PathNormalizer paths({"/users/{id}"});
  SpanBuilder b(paths, 1'000'000);
  Span s = b.build(exchange(SpanKind::kServer, 200), nullptr);
  EXPECT_EQ(s.name, "GET /users/{id}");
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_EQ(s.start_unix_ns, 1'001'000u);
  EXPECT_EQ(s.end_unix_ns, 1'003'000u);
  EXPECT_EQ(str(s, "http.request.method"), "GET");
  EXPECT_EQ(str(s, "url.path"), "/users/42");
  EXPECT_EQ(str(s, "http.route"), "/users/{id}");
  EXPECT_EQ(num(s, "http.response.status_code"), 200);
  EXPECT_EQ(str(s, "server.address"), "shop.local");
  EXPECT_EQ(num(s, "server.port"), 8080);
  EXPECT_EQ(str(s, "client.address"), "10.0.0.2");
  EXPECT_EQ(str(s, "network.protocol.version"), "1.1");
  EXPECT_EQ(str(s, "url.scheme"), "http");
  EXPECT_EQ(str(s, "url.query"), "x=1");
  EXPECT_EQ(s.find("url.full"), nullptr);
  EXPECT_EQ(s.find("error.type"), nullptr);
  EXPECT_EQ(s.status, StatusCode::kUnset);
}

// An extension method: "_OTHER" and the method itself, a span named "HTTP"
// (the conventions' name for it), with the route when one matches.
TEST(SpanBuilder, ExtensionMethodIsOtherWithItsOriginal) {
  PathNormalizer paths({"/users/{id}"});
  SpanBuilder b(paths, 0);
  auto x = exchange(SpanKind::kServer, 207);
  x.request.method = "PROPFIND";
  Span s = b.build(x, nullptr);
  EXPECT_EQ(s.name, "HTTP /users/{id}");
  EXPECT_EQ(str(s, "http.request.method"), "_OTHER");
  EXPECT_EQ(str(s, "http.request.method_original"), "PROPFIND");
  x = exchange(SpanKind::kClient, 200);
  x.request.target = "/other";
  s = b.build(x, nullptr);
  EXPECT_EQ(s.name, "GET");
  EXPECT_EQ(s.find("http.request.method_original"), nullptr);
}

// Behind a proxy: the client and scheme it reports; the peer stays the peer.
TEST(SpanBuilder, ServerSpanBehindAProxy) {
  PathNormalizer paths;
  SpanBuilder b(paths, 0);
  auto x = exchange(SpanKind::kServer, 200);
  x.request.forwarded_for = "198.51.100.7, 10.0.0.2";
  x.request.forwarded_proto = "https";
  Span s = b.build(x, nullptr);
  EXPECT_EQ(str(s, "client.address"), "198.51.100.7");
  EXPECT_EQ(str(s, "network.peer.address"), "10.0.0.2");
  EXPECT_EQ(str(s, "url.scheme"), "https");
}

TEST(SpanBuilder, ProtocolVersionIsTheOneBothEndsSpeak) {
  PathNormalizer paths;
  SpanBuilder b(paths, 0);
  auto x = exchange(SpanKind::kServer, 200);
  x.response.version = "1.0";  // Python's http.server answering curl
  EXPECT_EQ(str(b.build(x, nullptr), "network.protocol.version"), "1.0");
  x.request.version = "1.0";
  x.response.version = "1.1";  // nginx answering curl -0
  EXPECT_EQ(str(b.build(x, nullptr), "network.protocol.version"), "1.0");
  x.request.version = x.response.version = "1.1";
  EXPECT_EQ(str(b.build(x, nullptr), "network.protocol.version"), "1.1");
}

TEST(SpanBuilder, ErrorTypeIsTheStatusOfAnErrorSpan) {
  PathNormalizer paths;
  SpanBuilder b(paths, 0);
  EXPECT_EQ(str(b.build(exchange(SpanKind::kServer, 503), nullptr), "error.type"), "503");
  EXPECT_EQ(b.build(exchange(SpanKind::kServer, 404), nullptr).find("error.type"), nullptr);
  EXPECT_EQ(str(b.build(exchange(SpanKind::kClient, 404), nullptr), "error.type"), "404");
}

TEST(SpanBuilder, StatusRules) {
  PathNormalizer paths;
  SpanBuilder b(paths, 0);
  EXPECT_EQ(b.build(exchange(SpanKind::kServer, 404), nullptr).status, StatusCode::kUnset);
  EXPECT_EQ(b.build(exchange(SpanKind::kServer, 503), nullptr).status, StatusCode::kError);
  EXPECT_EQ(b.build(exchange(SpanKind::kClient, 404), nullptr).status, StatusCode::kError);
  EXPECT_EQ(b.build(exchange(SpanKind::kClient, 302), nullptr).status, StatusCode::kUnset);
}

TEST(SpanBuilder, ClientSpanNamesThePeer) {
  PathNormalizer paths;
  SpanBuilder b(paths, 0);
  auto x = exchange(SpanKind::kClient, 200);
  x.request.host.clear();
  Span s = b.build(x, nullptr);
  EXPECT_EQ(s.name, "GET");
  EXPECT_EQ(str(s, "server.address"), "10.0.0.2");
  EXPECT_EQ(num(s, "server.port"), 51000);
  EXPECT_EQ(s.find("client.address"), nullptr);
  EXPECT_EQ(str(s, "url.full"), "http://10.0.0.2:51000/users/42?x=1");
  EXPECT_EQ(s.find("url.scheme"), nullptr);
}

TEST(Resource, FromProcessIdentity) {
  ProcessIdentity id = identity(7, "nginx");
  id.executable = "nginx";
  id.container_id = "abc";
  id.pod_uid = "uid-1";
  auto r = make_resource(id, "node-1");
  EXPECT_EQ(std::get<std::string>(r->find("service.name")->value), "nginx");
  EXPECT_EQ(std::get<std::string>(r->find("host.name")->value), "node-1");
  EXPECT_EQ(std::get<int64_t>(r->find("process.pid")->value), 7);
  EXPECT_EQ(std::get<std::string>(r->find("container.id")->value), "abc");
  EXPECT_EQ(std::get<std::string>(r->find("k8s.pod.uid")->value), "uid-1");
  id.service_name = "shop";
  EXPECT_EQ(std::get<std::string>(make_resource(id, "")->find("service.name")->value), "shop");
}

// OTEL_RESOURCE_ATTRIBUTES: added to every resource, after the process's
// own, which win; the resource keeps the keys alive.
TEST(Resource, ExtraAttributesAddButDoNotOverride) {
  std::shared_ptr<const Resource> r;
  {
    auto extra = std::make_shared<const ExtraAttributes>(
        ExtraAttributes{{std::string("deployment.environment"), "prod"},
                        {std::string("service.name"), "from-env"},
                        {std::string("k8s.cluster.name"), "east"}});
    r = make_resource(identity(7, "nginx"), "node-1", extra);
  }  // the caller's copy is gone
  EXPECT_EQ(std::get<std::string>(r->find("deployment.environment")->value), "prod");
  EXPECT_EQ(std::get<std::string>(r->find("k8s.cluster.name")->value), "east");
  EXPECT_EQ(std::get<std::string>(r->find("service.name")->value), "nginx");
  size_t names = 0;
  for (const auto& a : r->attributes) names += a.key == "service.name";
  EXPECT_EQ(names, 1u);
}

TEST(TraceContext, ParseAndFormat) {
  auto tp = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(tp);
  EXPECT_EQ(to_hex(tp->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(tp->flags, 1);
  EXPECT_EQ(format_traceparent(*tp), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"));
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"));
}

TEST(TraceContext, GeneratedIdsAreNonZeroAndDistinct) {
  IdGenerator g(1);
  auto a = g.trace_id(), b = g.trace_id();
  EXPECT_FALSE(is_zero(a));
  EXPECT_NE(a, b);
  EXPECT_FALSE(is_zero(g.span_id()));
}

TEST(OtlpEncode, GroupsByResource) {
  PathNormalizer paths;
  SpanBuilder b(paths, 0);
  auto r1 = make_resource(identity(1, "a"), "h");
  auto r2 = make_resource(identity(2, "b"), "h");
  std::vector<Span> spans = {b.build(exchange(SpanKind::kServer, 200), r1),
                             b.build(exchange(SpanKind::kServer, 500), r2),
                             b.build(exchange(SpanKind::kClient, 200), r1)};
  spans[2].parent_span_id = spans[0].span_id;
  auto req = encode_spans(spans);
  ASSERT_EQ(req.resource_spans_size(), 2);
  const auto& first = req.resource_spans(0);
  ASSERT_EQ(first.scope_spans(0).spans_size(), 2);
  const auto& server = first.scope_spans(0).spans(0);
  EXPECT_EQ(server.kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(server.trace_id().size(), 16u);
  EXPECT_EQ(server.span_id().size(), 8u);
  EXPECT_TRUE(server.parent_span_id().empty());
  EXPECT_EQ(first.scope_spans(0).spans(1).parent_span_id(), server.span_id());
  EXPECT_EQ(req.resource_spans(1).scope_spans(0).spans(0).status().code(),
            opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(first.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(first.resource().attributes(0).value().string_value(), "a");
}

// The exporters encode into an arena: the same bytes as the plain request.
TEST(OtlpEncode, ArenaRequestSerializesLikeThePlainOne) {
  PathNormalizer paths;
  SpanBuilder b(paths, 0);
  auto r1 = make_resource(identity(1, "a"), "h");
  auto r2 = make_resource(identity(2, "b"), "h");
  std::vector<Span> spans = {b.build(exchange(SpanKind::kServer, 200), r1),
                             b.build(exchange(SpanKind::kClient, 404), r2)};
  google::protobuf::Arena arena;
  const ExportRequest* in_arena = encode_spans(spans, arena);
  ASSERT_NE(in_arena, nullptr);
  EXPECT_EQ(in_arena->GetArena(), &arena);
  EXPECT_EQ(in_arena->resource_spans_size(), 2);
  EXPECT_EQ(in_arena->SerializeAsString(), encode_spans(spans).SerializeAsString());
}

// Request targets, headers and process names are bytes; proto3 strings are
// UTF-8 and a receiver refuses the whole request over one bad field. The
// encoded request must parse back (the official protos verify UTF-8 on
// parse), with U+FFFD where the bytes were not UTF-8.
TEST(OtlpEncode, BytesThatAreNotUtf8ReachTheReceiverAsReplacementCharacters) {
  PathNormalizer paths;
  SpanBuilder b(paths, 0);
  HttpExchange x = exchange(SpanKind::kServer, 200);
  x.request.target = "/caf\xE9/\xFF";
  x.request.method = "G\x80T";
  x.request.user_agent = "agent\xC0\xAF";
  auto resource = make_resource(identity(7, "bad\xFE\xFF"), "h");
  std::vector<Span> spans = {b.build(x, resource)};
  google::protobuf::Arena arena;
  std::string wire = encode_spans(spans, arena)->SerializeAsString();
  ExportRequest back;
  ASSERT_TRUE(back.ParseFromString(wire));
  const auto& rs = back.resource_spans(0);
  const auto& span = rs.scope_spans(0).spans(0);
  const std::string fffd = "\xEF\xBF\xBD";
  std::map<std::string, std::string> attrs;
  for (const auto& kv : span.attributes()) attrs[kv.key()] = kv.value().string_value();
  EXPECT_EQ(attrs["http.request.method_original"], "G" + fffd + "T");
  EXPECT_EQ(attrs["url.path"], "/caf" + fffd + "/" + fffd);
  EXPECT_EQ(attrs["user_agent.original"], "agent" + fffd);
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "bad" + fffd + fffd);
}

}  // namespace
}  // namespace ksight::otel
