#pragma once
// The seam between stack collection and everything that names frames.
// Producers hand raw instruction addresses; a Symbolizer turns them into
// mapped-file coordinates and source-level frames. The real implementation
// reads /proc, ELF and /proc/kallsyms (see elf_symbolizer.h); tests use fakes.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ksight::symbolizer {

// The object an address falls in.
struct MappedObject {
  uint64_t start = 0;        // runtime start of the mapping
  uint64_t limit = 0;        // runtime end (exclusive)
  uint64_t file_offset = 0;  // offset in `path` mapped at `start`
  std::string path;  // as the process saw it; "[kernel.kallsyms]", "[module]", "[anon]", "[jit]"...
  std::string build_id;  // lowercase hex GNU build-id; empty when none
  bool kernel = false;
  bool deleted = false;         // the file was unlinked after mapping ("(deleted)" in maps)
  bool has_symbols = false;     // a symbol table (or kallsyms) names functions in it
  bool has_debug_info = false;  // DWARF was found: files, lines and inline frames
};

// One source-level function at an address; several for inlined code,
// innermost first.
struct Frame {
  std::string function;     // demangled; "module+0xoffset" when the symbol is unknown
  std::string system_name;  // mangled, as in the symbol table (== function when not C++)
  std::string file;         // source file, when debug info gives it
  uint32_t line = 0;
  // Address minus the start of the symbol that names this frame (symbol
  // table, kallsyms or perf map): the "+0x1a" of func+0x1a. Set on the
  // outermost frame of an address; 0 for inlined and unknown frames.
  uint64_t symbol_offset = 0;
};

struct SymbolizedAddress {
  uint64_t address = 0;
  std::optional<MappedObject> object;  // nullopt: the address is in no known mapping
  std::vector<Frame> frames;           // never empty: unknown addresses keep module+0xoffset
  bool symbol_found = false;           // false when frames[0] is only module+0xoffset
};

struct SymbolizerStats {
  uint64_t addresses = 0;     // addresses asked for
  uint64_t unknown = 0;       // symbolized only to module+0xoffset or [unknown]
  uint64_t process_gone = 0;  // pid exited before its maps were captured
  uint64_t elf_cache_hits = 0;
  uint64_t elf_cache_misses = 0;
  uint64_t elf_cache_entries = 0;

  // Why addresses stayed unknown (they sum to `unknown`).
  uint64_t unknown_no_mapping = 0;  // in no mapping of the process, or process never observed
  uint64_t unknown_no_file = 0;     // mapped file could not be opened or parsed
  uint64_t unknown_no_symbol = 0;   // file read, but no symbol covers the address
  uint64_t unknown_kernel = 0;      // kernel address not covered by kallsyms

  // ELF/DWARF input problems, counted, never fatal.
  uint64_t elf_errors = 0;          // unreadable, corrupt or truncated ELF files
  uint64_t dwarf_errors = 0;        // debug info present but unusable
  uint64_t debug_files_found = 0;   // objects with DWARF (in file, debuglink, build-id dir)
  uint64_t debuginfod_fetches = 0;  // debug files obtained from debuginfod

  uint64_t elf_cache_bytes = 0;  // approximate bytes held by cached objects
  uint64_t elf_cache_evictions = 0;
  uint64_t processes = 0;                // process snapshots held
  uint64_t maps_refreshes = 0;           // /proc/PID/maps re-read after a miss
  uint64_t pid_reuses = 0;               // a known pid now runs another process (reuse or execve)
  uint64_t perf_map_symbols = 0;         // JIT symbols loaded from perf maps
  uint64_t kernel_symbols = 0;           // symbols in the current kallsyms table
  uint64_t kallsyms_reloads = 0;         // re-reads after module changes or uncovered addresses
  bool kernel_addresses_hidden = false;  // kallsyms showed only zeros (kptr_restrict)
};

class Symbolizer {
 public:
  virtual ~Symbolizer() = default;

  // Capture what is needed to symbolize `pid` later (its memory maps and the
  // identities of mapped files), so that a process that exits before the
  // profile ends is still symbolized. Cheap when already captured.
  virtual void observe_process(uint32_t pid) = 0;
  // Forget a process (after its last samples are symbolized).
  virtual void forget_process(uint32_t pid) = 0;

  // One result per input address, in order.
  virtual std::vector<SymbolizedAddress> symbolize_user(uint32_t pid,
                                                        std::span<const uint64_t> addresses) = 0;
  virtual std::vector<SymbolizedAddress> symbolize_kernel(std::span<const uint64_t> addresses) = 0;

  virtual SymbolizerStats stats() const = 0;
};

}  // namespace ksight::symbolizer
