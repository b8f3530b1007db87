#include "trace/tracefs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ksight::trace {

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t;");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

// "field:unsigned int prev_pid;	offset:8;	size:4;	signed:0;"
std::optional<TracepointField> parse_field_line(std::string_view line) {
  TracepointField f;
  std::string decl;
  bool have_offset = false;
  std::stringstream parts{std::string(line)};
  std::string part;
  while (std::getline(parts, part, ';')) {
    std::string item = trim(part);
    auto colon = item.find(':');
    if (colon == std::string::npos) continue;
    std::string key = item.substr(0, colon);
    std::string value = item.substr(colon + 1);
    if (key == "field") decl = value;
    if (key == "offset") {
      f.offset = std::stoul(value);
      have_offset = true;
    }
    if (key == "size") f.size = std::stoul(value);
    if (key == "signed") f.is_signed = value == "1";
  }
  if (decl.empty() || !have_offset) return std::nullopt;
  // "char prev_comm[16]" vs "__data_loc char[] filename": the name is the
  // last word; only a bracket inside it is an array length.
  auto name_start = decl.find_last_of(" *");
  std::string name = trim(decl.substr(name_start + 1));
  f.type = trim(decl.substr(0, name_start + 1));
  if (auto bracket = name.find('['); bracket != std::string::npos) {
    std::string len = name.substr(bracket + 1, name.find(']', bracket) - bracket - 1);
    f.array_len = len.empty() ? 0 : static_cast<uint32_t>(std::stoul(len));
    name.resize(bracket);
  }
  f.name = name;
  f.data_loc = f.type.find("__data_loc") != std::string::npos;
  return f;
}

}  // namespace

bool TracepointField::is_char_pointer() const {
  return !data_loc && type.find("char") != std::string::npos && type.find('*') != std::string::npos;
}

const TracepointField* TracepointFormat::find(std::string_view field) const {
  for (const auto& f : fields) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

std::vector<std::string> TracepointFormat::field_names() const {
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.name);
  return names;
}

TracepointFormat parse_tracepoint_format(std::string_view text) {
  TracepointFormat fmt;
  std::stringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::string t = trim(line);
    if (t.rfind("name:", 0) == 0) fmt.name = trim(t.substr(5));
    if (t.rfind("field:", 0) != 0) continue;
    auto field = parse_field_line(t);
    if (field && field->name.rfind("common_", 0) != 0) fmt.fields.push_back(*field);
  }
  return fmt;
}

bool glob_match(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::vector<std::string> Tracefs::list() {
  if (!cache_.empty()) return cache_;
  std::ifstream in(root_ + "/available_events");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) cache_.push_back(line);
  }
  if (cache_.empty()) {
    std::error_code ec;
    for (const auto& cat : std::filesystem::directory_iterator(root_ + "/events", ec)) {
      if (!cat.is_directory()) continue;
      for (const auto& ev : std::filesystem::directory_iterator(cat.path(), ec)) {
        if (ev.is_directory()) {
          cache_.push_back(cat.path().filename().string() + ":" + ev.path().filename().string());
        }
      }
    }
  }
  std::sort(cache_.begin(), cache_.end());
  return cache_;
}

std::optional<TracepointFormat> Tracefs::format(const std::string& category,
                                                const std::string& name) {
  std::ifstream in(root_ + "/events/" + category + "/" + name + "/format");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  TracepointFormat fmt = parse_tracepoint_format(text.str());
  fmt.category = category;
  fmt.name = name;
  return fmt;
}

std::optional<uint32_t> Tracefs::id(const std::string& category, const std::string& name) {
  std::ifstream in(root_ + "/events/" + category + "/" + name + "/id");
  uint32_t id = 0;
  if (!(in >> id)) return std::nullopt;
  return id;
}

}  // namespace ksight::trace
