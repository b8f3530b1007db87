#include "symbolizer/perf_map.h"

#include <algorithm>
#include <charconv>

namespace ksight::symbolizer {
namespace {

bool take_hex(std::string_view* text, uint64_t* out) {
  if (text->starts_with("0x") || text->starts_with("0X")) text->remove_prefix(2);
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), *out, 16);
  if (ec != std::errc() || ptr == text->data()) return false;
  text->remove_prefix(ptr - text->data());
  return true;
}

bool take_space(std::string_view* text) {
  if (text->empty() || (text->front() != ' ' && text->front() != '\t')) return false;
  while (!text->empty() && (text->front() == ' ' || text->front() == '\t')) text->remove_prefix(1);
  return true;
}

}  // namespace

std::optional<PerfMapSymbol> parse_perf_map_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  PerfMapSymbol symbol;
  if (!take_hex(&line, &symbol.start) || !take_space(&line)) return std::nullopt;
  if (!take_hex(&line, &symbol.size) || !take_space(&line)) return std::nullopt;
  if (line.empty() || symbol.start + symbol.size < symbol.start) return std::nullopt;
  symbol.name = std::string(line);
  return symbol;
}

PerfMap PerfMap::parse(std::string_view text) {
  PerfMap map;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty()) continue;
    if (auto symbol = parse_perf_map_line(line)) {
      map.symbols_.push_back(std::move(*symbol));
    } else {
      ++map.bad_lines_;
    }
  }
  // Stable sort keeps file order among equal starts; lookup takes the last.
  std::stable_sort(
      map.symbols_.begin(), map.symbols_.end(),
      [](const PerfMapSymbol& a, const PerfMapSymbol& b) { return a.start < b.start; });
  return map;
}

const PerfMapSymbol* PerfMap::lookup(uint64_t address) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                             [](uint64_t a, const PerfMapSymbol& s) { return a < s.start; });
  // Walk back over a few candidates: a shorter later symbol may not cover it.
  for (int steps = 0; it != symbols_.begin() && steps < 8; ++steps) {
    --it;
    if (address < it->start + std::max<uint64_t>(it->size, 1)) return &*it;
  }
  return nullptr;
}

size_t PerfMap::approximate_bytes() const {
  size_t bytes = symbols_.capacity() * sizeof(PerfMapSymbol);
  for (const auto& s : symbols_) bytes += s.name.capacity();
  return bytes;
}

}  // namespace ksight::symbolizer
