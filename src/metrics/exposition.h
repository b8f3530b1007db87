#pragma once
// The Prometheus text exposition format, version 0.0.4: one "# HELP" and
// "# TYPE" line per family, then one line per series; histograms as
// cumulative <name>_bucket{le="..."} series plus <name>_sum and <name>_count.
// Families with no series are still announced (HELP/TYPE) so dashboards can
// tell "zero so far" from "not exported".
#include <string>
#include <string_view>
#include <vector>

#include "metrics/registry.h"

namespace ksight::metrics {

inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_text(const std::vector<FamilySnapshot>& families);

// Escaping rules of the format: label values escape \, " and newline;
// HELP text escapes \ and newline.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
// A sample value: integers without exponent, "+Inf", "-Inf", "NaN".
std::string format_value(double value);

}  // namespace ksight::metrics
