#pragma once
// Text that comes from the kernel or the wire — process names (any task
// may prctl(PR_SET_NAME) arbitrary bytes), file names, HTTP request targets
// and headers — is bytes. Every format ksight writes takes only UTF-8: a
// Prometheus scrape fails as a whole on one invalid label value ("invalid
// UTF-8 label value"), and an OTLP receiver rejects the whole request
// (proto3 `string` fields). So such text is made valid where it enters a
// label or a span: each invalid sequence becomes U+FFFD (utfcpp's
// replace_invalid), as browsers and the OpenTelemetry SDKs render it.
#include <string>
#include <string_view>

namespace ksight {

bool is_utf8(std::string_view text);
// `text` itself when valid (the common case: one pass, no rewrite).
std::string to_utf8(std::string_view text);
// In place; returns whether anything was replaced.
bool make_utf8(std::string& text);

}  // namespace ksight
