#pragma once
// Why a user stack came out partial, counted. The agent exports these as
// ksight_unwind_errors_total{reason}; `ksight profile` prints them.
#include <array>
#include <cstdint>
#include <string_view>

namespace ksight::unwind {

enum class UnwindError : uint8_t {
  kNoRegisters,     // the sample carries no user registers or no stack copy
  kProcessGone,     // the process's maps could not be read at first sight
  kNoModule,        // a pc is in no file mapping (JIT code, or a maps change)
  kNoCfi,           // the module has no CFI (.eh_frame/.debug_frame) for a pc
  kTruncatedStack,  // a frame lies above the copied stack bytes
  kBadMemory,       // CFI asked for memory below the stack pointer or unmapped
  kMaxDepth,        // stopped at the depth limit (deep recursion or a loop)
  kCount,
};

inline constexpr std::array<std::string_view, static_cast<size_t>(UnwindError::kCount)>
    kUnwindErrorNames = {"no_registers",    "process_gone", "no_module", "no_cfi",
                         "truncated_stack", "bad_memory",   "max_depth"};

inline std::string_view unwind_error_name(UnwindError e) {
  return kUnwindErrorNames[static_cast<size_t>(e)];
}

struct UnwindStats {
  uint64_t samples = 0;         // user stacks resolved
  uint64_t fp_used = 0;         // frame-pointer stack kept (verified complete, or fp mode)
  uint64_t dwarf_used = 0;      // DWARF-unwound stack used
  uint64_t dwarf_complete = 0;  // ... that reached the outermost frame
  uint64_t spliced = 0;         // DWARF stack continued with the frame-pointer tail
  uint64_t dwarf_frames = 0;    // frames produced by DWARF unwinding
  uint64_t unwind_nanos = 0;    // thread CPU time spent unwinding
  uint64_t processes = 0;       // process unwind states held now
  uint64_t process_evictions = 0;
  uint64_t maps_reloads = 0;  // maps re-read after a pc outside every module
  std::array<uint64_t, static_cast<size_t>(UnwindError::kCount)> errors{};

  uint64_t& error(UnwindError e) { return errors[static_cast<size_t>(e)]; }
  uint64_t error(UnwindError e) const { return errors[static_cast<size_t>(e)]; }
  uint64_t total_errors() const {
    uint64_t n = 0;
    for (uint64_t v : errors) n += v;
    return n;
  }
};

}  // namespace ksight::unwind
