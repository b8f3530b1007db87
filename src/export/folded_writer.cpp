#include "export/folded_writer.h"

#include <map>
#include <ostream>

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

std::string folded_stack(const Stack& stack) {
  std::string line;
  for (const auto& frame : stack.frames) {
    if (!line.empty()) line += ';';
    line += sanitize(frame.name);
    if (frame.kind == FrameKind::kKernel) line += "_[k]";
  }
  return line;
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
  std::map<std::string, int64_t> totals;
  for (const auto& stack : collect_stacks(profile, index, options.show_lines)) {
    totals[folded_stack(stack)] += stack.value;
  }
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
