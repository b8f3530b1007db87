#pragma once
// printf() format strings: split once into literal text and conversions, so
// the semantic pass can check argument types and the output stage can format
// records without re-parsing.
#include <string>
#include <string_view>
#include <vector>

namespace ksight::trace {

struct FormatPiece {
  std::string literal;  // text before the conversion ("%%" already folded)
  bool has_conversion = false;
  std::string spec;     // the conversion without length modifiers, e.g. "%-10s", "%08x"
  char conversion = 0;  // d i u x X o c s p
  // Bytes the length modifier asks for: 1 (hh), 2 (h), 8 (l, ll, z, j, t),
  // 0 (none: the argument's own width, see output.cpp).
  uint32_t length_bytes = 0;
};

// Throws std::invalid_argument with a message on an unsupported conversion.
std::vector<FormatPiece> parse_format(std::string_view format);

bool conversion_takes_string(char conversion);

}  // namespace ksight::trace
