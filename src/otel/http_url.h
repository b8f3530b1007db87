#pragma once
// The URL attributes of HTTP spans (OpenTelemetry semantic conventions,
// docs/http/http-spans.md): url.query and url.scheme on server spans,
// url.full on client spans, client.address behind proxies. Run on the
// exporter thread when a span is built, never per captured payload.
//
// Forms read:
//   request-target = origin-form ("/p?q") / absolute-form ("http://h:1/p?q")
//   Forwarded      = 1#( pair *( ";" pair ) )     ; RFC 7239, first element
//   pair           = token "=" ( token / quoted-string )   ; for=, proto=
//   X-Forwarded-For   = 1#node                    ; the first is the client
//   X-Forwarded-Proto = "http" / "https"
#include <string>
#include <string_view>

#include "otel/http_parser.h"
#include "otel/http_tracker.h"

namespace ksight::otel {

// The query of a request-target, without "?" and fragment; empty if none.
std::string_view target_query(std::string_view target);

// The query with the values of the keys the conventions name as secrets
// (AWSAccessKeyId, Signature, sig, X-Goog-Signature) replaced by REDACTED;
// keys and every other value kept as they are.
std::string redact_query(std::string_view query);

// The scheme the original client used: Forwarded proto=, else
// X-Forwarded-Proto, when "http" or "https"; else "http" (ksight reads
// plaintext HTTP only).
std::string original_scheme(const HttpMessage& request);

// The original client's address: Forwarded for=, else the first
// X-Forwarded-For node, without port, brackets or quotes; empty when
// neither names an address (absent, "unknown", an obfuscated "_id").
std::string original_client(const HttpMessage& request);

// url.full of a client request: the absolute-form target as sent, or
// http:// + Host (else the peer's address and port) + the target; the query
// redacted as above.
std::string client_url(const HttpMessage& request, const Endpoint& peer);

}  // namespace ksight::otel
