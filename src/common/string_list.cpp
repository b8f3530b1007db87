#include "common/string_list.h"

#include <algorithm>

namespace ksight {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = std::min(text.find(',', start), text.size());
    size_t a = text.find_first_not_of(' ', start);
    if (a < comma) {
      size_t b = text.find_last_not_of(' ', comma - 1);
      out.push_back(text.substr(a, b - a + 1));
    }
    start = comma + 1;
  }
  return out;
}

}  // namespace ksight
