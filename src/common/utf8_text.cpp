#include "common/utf8_text.h"

#include <utf8cpp/utf8.h>

#include <iterator>

namespace ksight {

namespace {

// Plain ASCII, by far the common case, needs no decoding at all.
bool is_ascii(std::string_view text) {
  unsigned char any = 0;
  for (unsigned char c : text) any |= c;
  return any < 0x80;
}

}  // namespace

bool is_utf8(std::string_view text) {
  return is_ascii(text) || utf8::is_valid(text.begin(), text.end());
}

std::string to_utf8(std::string_view text) {
  if (is_utf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  utf8::replace_invalid(text.begin(), text.end(), std::back_inserter(out));
  return out;
}

bool make_utf8(std::string& text) {
  if (is_utf8(text)) return false;
  text = to_utf8(text);
  return true;
}

}  // namespace ksight
