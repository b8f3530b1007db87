#include "unwind/stack_resolver.h"

#include <algorithm>

namespace ksight::unwind {
namespace {

// bpf_get_stack's frame-pointer walk ends on whatever rbp held in code
// without frame pointers, often 0: the frames from there on carry nothing.
std::vector<uint64_t> frame_pointer_frames(std::span<const uint64_t> stack) {
  std::vector<uint64_t> frames;
  for (uint64_t address : stack) {
    if (address == 0) break;
    frames.push_back(address);
  }
  return frames;
}

StackSnapshot snapshot_of(const profile::StackSample& sample) {
  StackSnapshot s;
  s.pid = sample.pid;
  s.tid = sample.tid;
  std::copy_n(sample.user_regs.begin(), std::min<size_t>(kUserRegs, sample.user_regs.size()),
              s.regs.begin());
  s.stack = sample.user_stack_copy;
  return s;
}

}  // namespace

std::optional<UnwindMode> parse_unwind_mode(std::string_view text) {
  if (text == "auto") return UnwindMode::kAuto;
  if (text == "fp") return UnwindMode::kFramePointer;
  if (text == "dwarf") return UnwindMode::kDwarf;
  return std::nullopt;
}

std::string_view unwind_mode_name(UnwindMode mode) {
  switch (mode) {
    case UnwindMode::kAuto:
      return "auto";
    case UnwindMode::kFramePointer:
      return "fp";
    case UnwindMode::kDwarf:
      return "dwarf";
  }
  return "auto";
}

StackResolver::StackResolver(DwarfUnwinder& unwinder, UnwindMode mode)
    : unwinder_(unwinder), mode_(mode) {}

std::vector<uint64_t> StackResolver::resolve(const profile::StackSample& sample) {
  ++stats_.samples;
  std::vector<uint64_t> fp = frame_pointer_frames(sample.user_stack);
  if (mode_ == UnwindMode::kFramePointer) {
    ++stats_.fp_used;
    return fp;
  }
  if (sample.user_regs.size() < kUserRegs) {
    // No registers (copy failed, or a kernel thread): nothing to unwind.
    if (sample.pid != 0 && (!fp.empty() || sample.user_error == 0)) {
      ++stats_.error(UnwindError::kNoRegisters);
    }
    ++stats_.fp_used;
    return fp;
  }
  if (mode_ == UnwindMode::kAuto && frame_pointers_verified(sample, fp)) {
    ++stats_.fp_used;
    return fp;
  }
  return unwind_dwarf(sample, std::move(fp));
}

bool StackResolver::frame_pointers_verified(const profile::StackSample& sample,
                                            const std::vector<uint64_t>& fp) {
  if (fp.size() < 2 || fp[0] != sample.user_regs[kRegRip]) return false;
  for (size_t i = 0; i < fp.size(); ++i) {
    auto based = unwinder_.frame_pointer_based(sample.pid, i == 0 ? fp[i] : fp[i] - 1);
    if (!based || !*based) return false;
  }
  // Replay the walk over the copied stack: it must give the same return
  // addresses and end on a saved rbp of 0 (set by _start and clone).
  StackSnapshot s = snapshot_of(sample);
  uint64_t bp = s.regs[kRegRbp];
  for (size_t i = 1; i < fp.size(); ++i) {
    auto saved_bp = s.read_word(bp);
    auto ret = s.read_word(bp + 8);
    if (!saved_bp || !ret || *ret != fp[i]) return false;
    bp = *saved_bp;
  }
  return bp == 0;
}

std::vector<uint64_t> StackResolver::unwind_dwarf(const profile::StackSample& sample,
                                                  std::vector<uint64_t> fp) {
  UnwindResult r = unwinder_.unwind(snapshot_of(sample));
  ++stats_.dwarf_used;
  if (!r.error) {
    ++stats_.dwarf_complete;
    return std::move(r.frames);
  }
  // Continue a cut-short DWARF stack with the frame-pointer frames above the
  // deepest frame both agree on (deep stacks beyond the copied bytes). A
  // frame-pointer walk can only skip frames, never add them, so the match
  // for DWARF frame k is at index <= k; searching down from k also keeps
  // recursion (the same return address many times) aligned.
  if (!r.frames.empty() && fp.size() > 1) {
    size_t k = r.frames.size() - 1;
    for (size_t j = std::min(k, fp.size() - 2) + 1; j-- > 0;) {
      if (fp[j] != r.frames.back()) continue;
      ++stats_.spliced;
      r.frames.insert(r.frames.end(), fp.begin() + static_cast<long>(j) + 1, fp.end());
      return std::move(r.frames);
    }
  }
  if (fp.size() > r.frames.size()) {
    --stats_.dwarf_used;
    ++stats_.fp_used;
    return fp;
  }
  return std::move(r.frames);
}

const UnwindStats& StackResolver::stats() const {
  merged_ = unwinder_.stats();
  merged_.samples = stats_.samples;
  merged_.fp_used = stats_.fp_used;
  merged_.dwarf_used = stats_.dwarf_used;
  merged_.dwarf_complete = stats_.dwarf_complete;
  merged_.spliced = stats_.spliced;
  merged_.error(UnwindError::kNoRegisters) += stats_.error(UnwindError::kNoRegisters);
  return merged_;
}

}  // namespace ksight::unwind
