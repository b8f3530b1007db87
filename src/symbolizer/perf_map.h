#pragma once
// JIT symbol maps written by runtimes for perf (/tmp/perf-PID.map): Node
// --perf-basic-prof, Java with perf-map-agent, LuaJIT, .NET, Python 3.12 -X perf.
//
// Grammar (one symbol per line):
//
//   line  = start SP size SP name
//   start = [ "0x" ] hex          ; runtime address of the code
//   size  = [ "0x" ] hex          ; length in bytes
//   name  = any text to end of line (may contain spaces)
//
// Later lines win over earlier ones at the same address: runtimes append when
// they recompile code into a freed range.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ksight::symbolizer {

struct PerfMapSymbol {
  uint64_t start = 0;
  uint64_t size = 0;
  std::string name;
};

class PerfMap {
 public:
  static PerfMap parse(std::string_view text);

  // The symbol whose [start, start+size) covers `address`.
  const PerfMapSymbol* lookup(uint64_t address) const;
  size_t size() const { return symbols_.size(); }
  size_t bad_lines() const { return bad_lines_; }
  size_t approximate_bytes() const;

 private:
  std::vector<PerfMapSymbol> symbols_;  // sorted by start
  size_t bad_lines_ = 0;
};

std::optional<PerfMapSymbol> parse_perf_map_line(std::string_view line);

}  // namespace ksight::symbolizer
