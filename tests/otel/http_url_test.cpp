// URL attributes of HTTP spans: query redaction, the original scheme and
// client behind proxies, url.full of client requests.
#include "otel/http_url.h"

#include <gtest/gtest.h>

namespace ksight::otel {
namespace {

HttpMessage request(std::string target, std::string host = "") {
  HttpMessage m;
  m.is_request = true;
  m.method = "GET";
  m.target = std::move(target);
  m.host = std::move(host);
  return m;
}

TEST(HttpUrl, QueryOfATarget) {
  EXPECT_EQ(target_query("/a?x=1&y=2"), "x=1&y=2");
  EXPECT_EQ(target_query("/a?x=1#frag"), "x=1");
  EXPECT_EQ(target_query("/a"), "");
  EXPECT_EQ(target_query("/a?"), "");
  EXPECT_EQ(target_query("http://h/p?q=1"), "q=1");
}

TEST(HttpUrl, SecretQueryValuesAreRedactedKeysKept) {
  EXPECT_EQ(redact_query("color=blue&sig=abc123"), "color=blue&sig=REDACTED");
  EXPECT_EQ(redact_query("AWSAccessKeyId=AKIA&Signature=x%2By&Expires=1"),
            "AWSAccessKeyId=REDACTED&Signature=REDACTED&Expires=1");
  EXPECT_EQ(redact_query("X-Goog-Signature=f00&x-goog-date=1"),
            "X-Goog-Signature=REDACTED&x-goog-date=1");
  EXPECT_EQ(redact_query("signature=lower&sig"), "signature=lower&sig");  // case, no value
  EXPECT_EQ(redact_query("a=1&&b"), "a=1&&b");
}

TEST(HttpUrl, SchemeFromTheProxyHeadersElseHttp) {
  HttpMessage m = request("/");
  EXPECT_EQ(original_scheme(m), "http");
  m.forwarded_proto = "https";
  EXPECT_EQ(original_scheme(m), "https");
  m.forwarded = "for=192.0.2.60;proto=http;by=203.0.113.43";
  EXPECT_EQ(original_scheme(m), "http");  // Forwarded wins
  m.forwarded = "for=192.0.2.60";
  m.forwarded_proto = "HTTPS, http";
  EXPECT_EQ(original_scheme(m), "https");
  m.forwarded_proto = "gopher";
  EXPECT_EQ(original_scheme(m), "http");
}

TEST(HttpUrl, OriginalClientBehindProxies) {
  HttpMessage m = request("/");
  EXPECT_EQ(original_client(m), "");
  m.forwarded_for = "203.0.113.195, 70.41.3.18, 150.172.238.178";
  EXPECT_EQ(original_client(m), "203.0.113.195");
  m.forwarded_for = "203.0.113.195:41237";
  EXPECT_EQ(original_client(m), "203.0.113.195");
  m.forwarded_for = "2001:db8:85a3:8d3:1319:8a2e:370:7348";
  EXPECT_EQ(original_client(m), "2001:db8:85a3:8d3:1319:8a2e:370:7348");
  m.forwarded = R"(For="[2001:db8:cafe::17]:4711", for=192.0.2.43)";
  EXPECT_EQ(original_client(m), "2001:db8:cafe::17");
  m.forwarded = "by=10.0.0.1;for=\"192.0.2.43:47011\";proto=https";
  EXPECT_EQ(original_client(m), "192.0.2.43");
  m.forwarded = "for=unknown";
  EXPECT_EQ(original_client(m), "");
  m.forwarded = "for=_hidden";
  EXPECT_EQ(original_client(m), "");
}

TEST(HttpUrl, ClientUrlFromHostOrPeer) {
  Endpoint peer{"10.0.0.9", 8080};
  EXPECT_EQ(client_url(request("/users/7?sig=s&x=1", "api.local:8080"), peer),
            "http://api.local:8080/users/7?sig=REDACTED&x=1");
  EXPECT_EQ(client_url(request("/p"), peer), "http://10.0.0.9:8080/p");
  EXPECT_EQ(client_url(request("/p"), Endpoint{"10.0.0.9", 80}), "http://10.0.0.9/p");
  EXPECT_EQ(client_url(request("/p"), Endpoint{"fd00::1", 8080}), "http://[fd00::1]:8080/p");
  EXPECT_EQ(client_url(request("http://example.com/a?b=1", "example.com"), peer),
            "http://example.com/a?b=1");
  EXPECT_EQ(client_url(request("*", "h"), peer), "http://h");
}

}  // namespace
}  // namespace ksight::otel
