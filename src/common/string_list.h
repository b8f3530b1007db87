#pragma once
// Comma-separated lists as config values carry them: "a, b,,c" → {a, b, c}
// (items trimmed of spaces, empty ones skipped).
#include <string>
#include <vector>

namespace ksight {

std::vector<std::string> split_list(const std::string& text);

}  // namespace ksight
