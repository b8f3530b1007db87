#include "trace/printf_format.h"

#include <cctype>
#include <stdexcept>

namespace ksight::trace {

bool conversion_takes_string(char conversion) {
  return conversion == 's';
}

std::vector<FormatPiece> parse_format(std::string_view f) {
  std::vector<FormatPiece> pieces;
  FormatPiece cur;
  size_t i = 0;
  while (i < f.size()) {
    if (f[i] != '%') {
      cur.literal += f[i++];
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '%') {
      cur.literal += '%';
      i += 2;
      continue;
    }
    std::string spec = "%";
    ++i;
    while (i < f.size() && std::string_view("-+ #0").find(f[i]) != std::string_view::npos)
      spec += f[i++];
    while (i < f.size() && (std::isdigit(static_cast<unsigned char>(f[i])) || f[i] == '.'))
      spec += f[i++];
    uint32_t length = 0;
    for (; i < f.size() && std::string_view("hlzjt").find(f[i]) != std::string_view::npos; ++i)
      length = f[i] == 'h' ? (length == 2 ? 1 : 2) : 8;
    if (i >= f.size())
      throw std::invalid_argument("incomplete conversion at the end of the format");
    char conv = f[i++];
    if (std::string_view("diuxXocsp").find(conv) == std::string_view::npos) {
      throw std::invalid_argument(std::string("unsupported conversion '%") + conv + "'");
    }
    cur.has_conversion = true;
    cur.spec = spec;
    cur.conversion = conv;
    cur.length_bytes = length;
    pieces.push_back(std::move(cur));
    cur = FormatPiece{};
  }
  if (!cur.literal.empty()) pieces.push_back(std::move(cur));
  return pieces;
}

}  // namespace ksight::trace
