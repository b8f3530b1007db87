#pragma once
// Parser for /proc/PID/maps.
//
// Grammar (one line per mapping; fields separated by runs of spaces):
//
//   line     = range SP perms SP offset SP device SP inode [ SP+ pathname ]
//   range    = hex "-" hex                  ; start (inclusive) - end (exclusive)
//   perms    = 4 * ( "r" | "w" | "x" | "s" | "p" | "-" )
//   offset   = hex                          ; file offset mapped at start
//   device   = hex ":" hex                  ; major:minor
//   inode    = decimal
//   pathname = any text up to end of line   ; may contain spaces; a file path,
//              "[heap]", "[stack]", "[vdso]", "[vvar]", "[anon:name]", or a
//              path ending in " (deleted)" when the file was unlinked
//
// A mapping without a pathname is anonymous memory.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ksight::symbolizer {

enum class MappingKind {
  kFile,       // backed by a file (inode != 0 and an absolute path)
  kAnonymous,  // no backing file (JIT code, heap arenas)
  kVdso,       // the kernel's vDSO image
  kPseudo,     // other [name] regions: [heap], [stack], [vvar], [vsyscall]
};

struct MapsEntry {
  uint64_t start = 0;
  uint64_t limit = 0;
  uint64_t offset = 0;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  uint64_t inode = 0;
  bool readable = false;
  bool writable = false;
  bool executable = false;
  bool shared = false;
  bool deleted = false;  // " (deleted)" was stripped from `path`
  MappingKind kind = MappingKind::kAnonymous;
  std::string path;  // as the process sees it; empty for anonymous memory
};

// Why a maps line was rejected, with the 1-based column where parsing stopped.
struct MapsParseError {
  std::string message;
  size_t column = 0;
};

// Parses one line. Returns nullopt and fills `error` (when given) on bad input.
std::optional<MapsEntry> parse_maps_line(std::string_view line, MapsParseError* error = nullptr);

// Parses a whole maps file; bad lines are skipped and counted in `bad_lines`.
std::vector<MapsEntry> parse_maps(std::string_view text, size_t* bad_lines = nullptr);

// The file name shown for unknown symbols: basename of a path, or the
// pseudo-name ("[heap]", "[anon]") for non-file mappings.
std::string mapping_display_name(const MapsEntry& entry);

}  // namespace ksight::symbolizer
