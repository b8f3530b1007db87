#pragma once
// Byte counts as users type them: "524288", "512k", "512KiB", "4M", "4MiB",
// "1G", "1GiB" (binary units).
#include <cstdint>
#include <optional>
#include <string>

namespace ksight {

// nullopt for malformed or overflowing input.
std::optional<uint64_t> parse_byte_size(const std::string& text);

}  // namespace ksight
