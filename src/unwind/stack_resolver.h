#pragma once
// Chooses, per sample, the user stack to keep: the frame-pointer stack from
// bpf_get_stack (fast, exact when every function on it keeps a frame
// pointer) or the DWARF-unwound one (src/unwind/dwarf_unwinder.h).
//
// The rule in `auto` mode (README.md explains it): keep the frame-pointer
// stack only when it is verified exact — every frame's function has its CFA
// defined from rbp at that pc (so no caller was skipped: a function without
// a frame pointer leaves rbp pointing at its caller's caller) and the walk
// ended on the ABI's outermost marker (a saved rbp of 0). Otherwise unwind
// from .eh_frame. A DWARF stack cut short (copy too small, no CFI) is
// continued with the frame-pointer frames above the point where both agree,
// and a frame-pointer stack deeper than a failed DWARF one wins.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "profile/stack_sample.h"
#include "unwind/dwarf_unwinder.h"

namespace ksight::unwind {

enum class UnwindMode { kAuto, kFramePointer, kDwarf };

std::optional<UnwindMode> parse_unwind_mode(std::string_view text);
std::string_view unwind_mode_name(UnwindMode mode);

class StackResolver {
 public:
  StackResolver(DwarfUnwinder& unwinder, UnwindMode mode);

  // The user stack to keep for `sample`, leaf first, return addresses above
  // the leaf (as bpf_get_stack gives them).
  std::vector<uint64_t> resolve(const profile::StackSample& sample);

  UnwindMode mode() const { return mode_; }
  const UnwindStats& stats() const;

 private:
  bool frame_pointers_verified(const profile::StackSample& sample, const std::vector<uint64_t>& fp);
  std::vector<uint64_t> unwind_dwarf(const profile::StackSample& sample, std::vector<uint64_t> fp);

  DwarfUnwinder& unwinder_;
  UnwindMode mode_;
  mutable UnwindStats stats_;  // policy counters; merged with the unwinder's in stats()
  mutable UnwindStats merged_;
};

}  // namespace ksight::unwind
