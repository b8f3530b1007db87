#include "export/stacks.h"

#include <fmt/format.h>

#include "common/error.h"

namespace ksight::exporter {
namespace {

std::string available_types(const profile::Profile& profile) {
  std::string out;
  for (const auto& t : profile.sample_types) out += (out.empty() ? "" : ", ") + t.type;
  return out.empty() ? "none" : out;
}

std::string basename(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A location the symbolizer left without lines still gets a stable name:
// "module+0xoffset" like the symbolizer's own fallback, or the raw address.
std::string unsymbolized_name(const profile::Profile& profile, const profile::Location& loc) {
  const profile::Mapping* m = profile.mapping(loc.mapping_id);
  if (m == nullptr || m->file.empty()) return fmt::format("0x{:x}", loc.address);
  uint64_t offset = loc.address - m->start + m->file_offset;
  return fmt::format("{}+0x{:x}", basename(m->file), offset);
}

bool is_kernel(const profile::Profile& profile, const profile::Location& loc) {
  const profile::Mapping* m = profile.mapping(loc.mapping_id);
  return loc.kernel || (m != nullptr && m->kernel);
}

void append_location(const profile::Profile& profile, const profile::Location& loc, bool show_lines,
                     std::vector<Frame>& frames) {
  bool kernel = is_kernel(profile, loc);
  if (loc.lines.empty()) {
    frames.push_back(
        {unsymbolized_name(profile, loc), kernel ? FrameKind::kKernel : FrameKind::kUser});
    return;
  }
  // lines are innermost first; the last one is the function that was called.
  for (size_t i = loc.lines.size(); i-- > 0;) {
    FrameKind kind = kernel ? FrameKind::kKernel
                            : (i == loc.lines.size() - 1 ? FrameKind::kUser : FrameKind::kInlined);
    frames.push_back({frame_name(loc.lines[i], show_lines), kind});
  }
}

}  // namespace

size_t select_value_index(const profile::Profile& profile, const std::string& value_type) {
  if (profile.sample_types.empty()) throw Error("profile has no sample types");
  if (!value_type.empty()) {
    int index = profile.value_index(value_type);
    if (index >= 0) return static_cast<size_t>(index);
    throw Error(fmt::format("unknown sample type '{}' (available: {})", value_type,
                            available_types(profile)));
  }
  // Collapsed-stack tools (flamegraph.pl, speedscope) call the numbers
  // "samples", so counts are the least surprising default.
  for (const std::string& type : {std::string("samples"), profile.default_sample_type}) {
    int index = type.empty() ? -1 : profile.value_index(type);
    if (index >= 0) return static_cast<size_t>(index);
  }
  return 0;
}

std::string frame_name(const profile::Line& line, bool show_lines) {
  std::string name = line.function.empty() ? "[unknown]" : line.function;
  if (!show_lines || line.file.empty()) return name;
  if (line.line > 0) return fmt::format("{} ({}:{})", name, line.file, line.line);
  return fmt::format("{} ({})", name, line.file);
}

std::vector<Stack> collect_stacks(const profile::Profile& profile, size_t value_index,
                                  bool show_lines) {
  std::vector<Stack> stacks;
  stacks.reserve(profile.samples.size());
  for (const auto& sample : profile.samples) {
    Stack stack;
    stack.value = value_index < sample.values.size() ? sample.values[value_index] : 0;
    const std::string& comm = sample.label("comm");
    stack.frames.push_back({comm.empty() ? "[unknown]" : comm, FrameKind::kProcess});
    for (auto it = sample.location_ids.rbegin(); it != sample.location_ids.rend(); ++it) {
      if (*it == 0 || *it > profile.locations.size()) {
        throw Error(fmt::format("sample refers to missing location {}", *it));
      }
      append_location(profile, profile.location(*it), show_lines, stack.frames);
    }
    stacks.push_back(std::move(stack));
  }
  return stacks;
}

}  // namespace ksight::exporter
