#include "export/folded_writer.h"

#include <map>
#include <ostream>
#include <vector>

#include "export/stacks.h"

namespace ksight::exporter {
namespace {

std::string sanitize(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (c == ';')
      c = ':';
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = ' ';
  }
  return out;
}

std::string folded_stack(const Stack& stack, const std::vector<std::string>& names) {
  std::string line;
  for (uint32_t frame : stack.frames) {
    if (!line.empty()) line += ';';
    line += names[frame];
  }
  return line;
}

// Each distinct frame's folded spelling, computed once.
std::vector<std::string> folded_names(const StackSet& set) {
  std::vector<std::string> names;
  names.reserve(set.frames.size());
  for (const auto& frame : set.frames) {
    names.push_back(sanitize(frame.name) + (frame.kind == FrameKind::kKernel ? "_[k]" : ""));
  }
  return names;
}

class FoldedWriter : public ProfileWriter {
 public:
  void write(const profile::Profile& profile, std::ostream& out,
             const WriteOptions& options) const override {
    out << fold_profile(profile, options);
  }
};

}  // namespace

std::string fold_profile(const profile::Profile& profile, const WriteOptions& options) {
  size_t index = select_value_index(profile, options.value_type);
  StackSet set = collect_stacks(profile, index, options.show_lines);
  std::vector<std::string> names = folded_names(set);
  // Distinct stacks can still fold to one line once names are sanitized.
  std::map<std::string, int64_t> totals;
  for (const auto& stack : set.stacks) totals[folded_stack(stack, names)] += stack.value;
  std::string out;
  for (const auto& [line, value] : totals) {
    if (value == 0) continue;
    out += line;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  }
  return out;
}

std::unique_ptr<ProfileWriter> make_folded_writer() {
  return std::make_unique<FoldedWriter>();
}

}  // namespace ksight::exporter
