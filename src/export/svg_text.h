#pragma once
// Text helpers for the SVG flame graph: symbol names are arbitrary bytes, the
// SVG must stay well-formed XML whatever they hold.
#include <cstdint>
#include <string>
#include <string_view>

#include "profile/profile.h"

namespace ksight::exporter {

// `text` as valid UTF-8 with no control characters XML 1.0 forbids: bad
// bytes become '?', control characters (except tab) a space.
std::string sanitize_text(std::string_view text);

// `text` with & < > " ' replaced by entities. Apply to sanitized text.
std::string xml_escape(std::string_view text);

// The prefix of `text` that fits in `max_chars` characters (UTF-8 aware),
// ending in ".." when cut; empty when fewer than 3 characters fit.
std::string fit_text(std::string_view text, size_t max_chars);

// A value in its unit for people: "42 samples", "1.50 s", "3.0 MiB".
std::string format_value(int64_t value, const profile::ValueType& type);

// 100 * part / total with two decimals ("12.50%"); "0.00%" when total is 0.
std::string format_percent(int64_t part, int64_t total);

}  // namespace ksight::exporter
