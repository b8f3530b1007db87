#pragma once
// Durations as users type them: "10s", "500ms", "2m", "1h", "1.5s", or a
// plain number of seconds.
#include <chrono>
#include <optional>
#include <string>

namespace ksight {

// nullopt for malformed, negative or overflowing input.
std::optional<std::chrono::nanoseconds> parse_duration(const std::string& text);

}  // namespace ksight
