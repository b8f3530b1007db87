#include "export/svg_text.h"

#include <fmt/format.h>

namespace ksight::exporter {
namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 when it is not valid.
size_t utf8_length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  if (n == 2 && c < 0xc2) return 0;                                                 // overlong
  if (n == 3 && c == 0xe0 && byte(i + 1) < 0xa0) return 0;                          // overlong
  if (n == 3 && c == 0xed && byte(i + 1) >= 0xa0) return 0;                         // surrogates
  if (n == 3 && c == 0xef && byte(i + 1) == 0xbf && byte(i + 2) >= 0xbe) return 0;  // U+FFFE/F
  if (n == 4 &&
      (c > 0xf4 || (c == 0xf0 && byte(i + 1) < 0x90) || (c == 0xf4 && byte(i + 1) >= 0x90))) {
    return 0;
  }
  return n;
}

}  // namespace

std::string sanitize_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_length(text, i);
    if (n == 0) {
      out += '?';
      ++i;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (n == 1 && (c < 0x20 || c == 0x7f) && c != '\t') {
      out += ' ';
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fit_text(std::string_view text, size_t max_chars) {
  if (max_chars < 3) return {};
  size_t chars = 0;
  size_t cut = std::string_view::npos;  // byte offset after max_chars - 2 characters
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xc0) == 0x80) continue;
    if (chars == max_chars - 2) cut = i;
    if (++chars > max_chars) return std::string(text.substr(0, cut)) + "..";
  }
  return std::string(text);
}

std::string format_value(int64_t value, const profile::ValueType& type) {
  double v = static_cast<double>(value);
  if (type.unit == "nanoseconds") {
    if (value >= 1'000'000'000 || value <= -1'000'000'000) return fmt::format("{:.2f} s", v / 1e9);
    if (value >= 1'000'000 || value <= -1'000'000) return fmt::format("{:.2f} ms", v / 1e6);
    if (value >= 1'000 || value <= -1'000) return fmt::format("{:.2f} us", v / 1e3);
    return fmt::format("{} ns", value);
  }
  if (type.unit == "bytes") {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while ((v >= 1024 || v <= -1024) && u < 4) v /= 1024, ++u;
    return u == 0 ? fmt::format("{} B", value) : fmt::format("{:.1f} {}", v, units[u]);
  }
  if (type.unit == "count" || type.unit.empty()) {
    return fmt::format("{} {}", value, type.type.empty() ? "samples" : type.type);
  }
  return fmt::format("{} {}", value, type.unit);
}

std::string format_percent(int64_t part, int64_t total) {
  if (total == 0) return "0.00%";
  return fmt::format("{:.2f}%", 100.0 * static_cast<double>(part) / static_cast<double>(total));
}

}  // namespace ksight::exporter
