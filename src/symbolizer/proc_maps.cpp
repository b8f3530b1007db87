#include "symbolizer/proc_maps.h"

#include <charconv>

namespace ksight::symbolizer {
namespace {

// A cursor over one line that remembers where it stopped, for error columns.
class LineCursor {
 public:
  explicit LineCursor(std::string_view line) : line_(line) {}

  bool hex(uint64_t* out) { return number(out, 16); }
  bool dec(uint64_t* out) { return number(out, 10); }

  bool literal(char c) {
    if (pos_ >= line_.size() || line_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool spaces() {
    size_t begin = pos_;
    while (pos_ < line_.size() && line_[pos_] == ' ') ++pos_;
    return pos_ > begin;
  }
  std::string_view peek(size_t n) const {
    return pos_ + n > line_.size() ? std::string_view{} : line_.substr(pos_, n);
  }
  void skip(size_t n) { pos_ += n; }
  std::string_view rest() const { return line_.substr(pos_); }
  size_t column() const { return pos_ + 1; }

 private:
  bool number(uint64_t* out, int base) {
    const char* begin = line_.data() + pos_;
    const char* end = line_.data() + line_.size();
    auto [ptr, ec] = std::from_chars(begin, end, *out, base);
    if (ec != std::errc() || ptr == begin) return false;
    pos_ += ptr - begin;
    return true;
  }

  std::string_view line_;
  size_t pos_ = 0;
};

bool fail(MapsParseError* error, const LineCursor& cursor, const char* message) {
  if (error) *error = {message, cursor.column()};
  return false;
}

bool parse_perms(std::string_view perms, MapsEntry* entry) {
  if (perms.size() != 4) return false;
  for (size_t i = 0; i < 4; ++i) {
    if (perms[i] != '-' && perms[i] != "rwxp"[i] && !(i == 3 && perms[i] == 's')) return false;
  }
  entry->readable = perms[0] == 'r';
  entry->writable = perms[1] == 'w';
  entry->executable = perms[2] == 'x';
  entry->shared = perms[3] == 's';
  return true;
}

void classify(std::string_view path, MapsEntry* entry) {
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.size() > kDeleted.size() && path.ends_with(kDeleted)) {
    path.remove_suffix(kDeleted.size());
    entry->deleted = true;
  }
  entry->path = std::string(path);
  if (path.empty()) {
    entry->kind = MappingKind::kAnonymous;
  } else if (path == "[vdso]") {
    entry->kind = MappingKind::kVdso;
  } else if (path.front() == '[') {
    entry->kind = path.starts_with("[anon") ? MappingKind::kAnonymous : MappingKind::kPseudo;
  } else if (entry->inode != 0 || path.front() == '/') {
    entry->kind = MappingKind::kFile;
  } else {
    entry->kind = MappingKind::kAnonymous;  // e.g. memfd names without inode info
  }
}

bool parse_fields(LineCursor& c, MapsEntry* e, MapsParseError* error) {
  uint64_t major = 0, minor = 0;
  if (!c.hex(&e->start)) return fail(error, c, "expected start address (hex)");
  if (!c.literal('-')) return fail(error, c, "expected '-' after start address");
  if (!c.hex(&e->limit)) return fail(error, c, "expected end address (hex)");
  if (e->limit < e->start) return fail(error, c, "end address below start address");
  if (!c.spaces()) return fail(error, c, "expected space before permissions");
  if (!parse_perms(c.peek(4), e)) return fail(error, c, "expected 4 permission characters");
  c.skip(4);
  if (!c.spaces()) return fail(error, c, "expected space before offset");
  if (!c.hex(&e->offset)) return fail(error, c, "expected file offset (hex)");
  if (!c.spaces()) return fail(error, c, "expected space before device");
  if (!c.hex(&major) || !c.literal(':') || !c.hex(&minor))
    return fail(error, c, "expected device major:minor (hex)");
  if (!c.spaces()) return fail(error, c, "expected space before inode");
  if (!c.dec(&e->inode)) return fail(error, c, "expected inode (decimal)");
  e->dev_major = static_cast<uint32_t>(major);
  e->dev_minor = static_cast<uint32_t>(minor);
  return true;
}

}  // namespace

std::optional<MapsEntry> parse_maps_line(std::string_view line, MapsParseError* error) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  LineCursor cursor(line);
  MapsEntry entry;
  if (!parse_fields(cursor, &entry, error)) return std::nullopt;
  std::string_view path;
  if (cursor.spaces()) {
    path = cursor.rest();
  } else if (!cursor.rest().empty()) {
    fail(error, cursor, "expected space before pathname");
    return std::nullopt;
  }
  classify(path, &entry);
  return entry;
}

std::vector<MapsEntry> parse_maps(std::string_view text, size_t* bad_lines) {
  std::vector<MapsEntry> entries;
  size_t bad = 0;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty()) continue;
    if (auto entry = parse_maps_line(line)) {
      entries.push_back(std::move(*entry));
    } else {
      ++bad;
    }
  }
  if (bad_lines) *bad_lines = bad;
  return entries;
}

std::string mapping_display_name(const MapsEntry& entry) {
  if (entry.kind == MappingKind::kAnonymous) return "[anon]";
  if (entry.kind != MappingKind::kFile) return entry.path;
  size_t slash = entry.path.rfind('/');
  return slash == std::string::npos ? entry.path : entry.path.substr(slash + 1);
}

}  // namespace ksight::symbolizer
