#pragma once
// Samples flattened into root-first stacks of named frames: the common input
// of the folded and SVG writers. The root is the process name (`comm` label),
// inlined functions are expanded outermost → innermost, and every frame says
// whether it ran in the kernel. Frames are interned and each location is
// named once, so large profiles fold in one pass without string churn.
#include <cstdint>
#include <string>
#include <vector>

#include "profile/profile.h"

namespace ksight::exporter {

enum class FrameKind { kProcess, kUser, kInlined, kKernel };

struct Frame {
  std::string name;
  FrameKind kind = FrameKind::kUser;
};

struct Stack {
  std::vector<uint32_t> frames;  // ids into StackSet::frames, root first
  int64_t value = 0;
};

struct StackSet {
  std::vector<Frame> frames;  // distinct (name, kind) pairs
  std::vector<Stack> stacks;  // distinct stacks, values of equal ones summed
};

// Index into profile.sample_types of `value_type`. Empty picks "samples" when
// the profile has it, else its default_sample_type, else the first. Throws
// ksight::Error naming the available types when `value_type` is unknown or
// the profile has none.
size_t select_value_index(const profile::Profile& profile, const std::string& value_type);

// The stacks of all samples valued by sample.values[value_index], in order of
// first appearance. Throws ksight::Error when a sample refers to a missing
// location.
StackSet collect_stacks(const profile::Profile& profile, size_t value_index, bool show_lines);

// The display name of one source frame: the function (or "[unknown]"), with
// " (file:line)" appended when show_lines and the file is known.
std::string frame_name(const profile::Line& line, bool show_lines);

}  // namespace ksight::exporter
