#include "common/byte_size.h"

#include <cctype>

namespace ksight {

std::optional<uint64_t> parse_byte_size(const std::string& text) {
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (n > (UINT64_MAX - digit) / 10) return std::nullopt;
    n = n * 10 + digit;
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string unit = text.substr(i);
  int shift = -1;
  if (unit.empty()) shift = 0;
  for (auto [names, s] : {std::pair{"kK", 10}, std::pair{"mM", 20}, std::pair{"gG", 30}}) {
    std::string n1(1, names[0]), n2(1, names[1]), iec = std::string(1, names[1]) + "iB";
    if (unit == n1 || unit == n2 || unit == iec) shift = s;
  }
  if (shift < 0) return std::nullopt;
  if (shift > 0 && n > (UINT64_MAX >> shift)) return std::nullopt;
  return n << shift;
}

}  // namespace ksight
