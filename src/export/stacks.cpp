#include "export/stacks.h"

#include <fmt/format.h>

#include <unordered_map>

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

struct VectorHash {
  size_t operator()(const std::vector<uint32_t>& v) const {
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t x : v) h = (h ^ x) * 1099511628211ULL;
    return static_cast<size_t>(h);
  }
};

class StackBuilder {
 public:
  StackBuilder(const profile::Profile& profile, bool show_lines)
      : profile_(profile), show_lines_(show_lines), location_frames_(profile.locations.size()) {}

  void add(const profile::Sample& sample, int64_t value) {
    std::vector<uint32_t> path;
    const std::string& comm = sample.label("comm");
    path.push_back(intern(comm.empty() ? "[unknown]" : comm, FrameKind::kProcess));
    for (auto it = sample.location_ids.rbegin(); it != sample.location_ids.rend(); ++it) {
      const auto& frames = location_frames(*it);
      path.insert(path.end(), frames.begin(), frames.end());
    }
    auto [pos, inserted] = index_.try_emplace(std::move(path), out_.stacks.size());
    if (inserted) out_.stacks.push_back({pos->first, 0});
    out_.stacks[pos->second].value += value;
  }

  StackSet take() { return std::move(out_); }

 private:
  uint32_t intern(const std::string& name, FrameKind kind) {
    std::string key = name;
    key += '\0';
    key += static_cast<char>('0' + static_cast<int>(kind));
    auto [it, inserted] = frame_ids_.try_emplace(std::move(key), out_.frames.size());
    if (inserted) out_.frames.push_back({name, kind});
    return it->second;
  }

  // The frames of one location, outermost (the called function) first.
  const std::vector<uint32_t>& location_frames(uint64_t id) {
    if (id == 0 || id > profile_.locations.size()) {
      throw Error(fmt::format("sample refers to missing location {}", id));
    }
    auto& cached = location_frames_[id - 1];
    if (!cached.empty()) return cached;
    const profile::Location& loc = profile_.location(id);
    bool kernel = is_kernel(profile_, loc);
    if (loc.lines.empty()) {
      cached.push_back(
          intern(unsymbolized_name(profile_, loc), kernel ? FrameKind::kKernel : FrameKind::kUser));
    }
    for (size_t i = loc.lines.size(); i-- > 0;) {  // lines are innermost first
      FrameKind kind = kernel                      ? FrameKind::kKernel
                       : i == loc.lines.size() - 1 ? FrameKind::kUser
                                                   : FrameKind::kInlined;
      cached.push_back(intern(frame_name(loc.lines[i], show_lines_), kind));
    }
    return cached;
  }

  const profile::Profile& profile_;
  bool show_lines_;
  StackSet out_;
  std::vector<std::vector<uint32_t>> location_frames_;
  std::unordered_map<std::string, uint32_t> frame_ids_;
  std::unordered_map<std::vector<uint32_t>, size_t, VectorHash> index_;
};

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

StackSet collect_stacks(const profile::Profile& profile, size_t value_index, bool show_lines) {
  StackBuilder builder(profile, show_lines);
  for (const auto& sample : profile.samples) {
    builder.add(sample, value_index < sample.values.size() ? sample.values[value_index] : 0);
  }
  return builder.take();
}

}  // namespace ksight::exporter
