#include "rules/diagnostic.h"

#include <cctype>

namespace ksight::rules {

std::string Diagnostic::format() const {
  std::string out = where.file.empty() ? std::string("<input>") : where.file;
  if (where.line > 0) out += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
  out += severity == Severity::kError     ? ": error: "
         : severity == Severity::kWarning ? ": warning: "
                                          : ": note: ";
  out += message;
  out += "\n";
  if (!where.source_line.empty()) {
    out += "  " + where.source_line + "\n  ";
    // Keep tabs so the caret lines up under tab-indented text.
    for (int i = 1; i < where.column && i - 1 < static_cast<int>(where.source_line.size()); ++i) {
      out += where.source_line[i - 1] == '\t' ? '\t' : ' ';
    }
    out += "^\n";
  }
  return out;
}

void Diagnostics::error(Location where, std::string message) {
  items.push_back({Severity::kError, std::move(where), std::move(message)});
}

void Diagnostics::warning(Location where, std::string message) {
  items.push_back({Severity::kWarning, std::move(where), std::move(message)});
}

void Diagnostics::note(Location where, std::string message) {
  items.push_back({Severity::kNote, std::move(where), std::move(message)});
}

bool Diagnostics::has_errors() const {
  return error_count() > 0;
}

size_t Diagnostics::error_count() const {
  size_t n = 0;
  for (const auto& d : items) n += d.severity == Severity::kError;
  return n;
}

size_t Diagnostics::warning_count() const {
  size_t n = 0;
  for (const auto& d : items) n += d.severity == Severity::kWarning;
  return n;
}

std::string Diagnostics::format() const {
  std::string out;
  for (const auto& d : items) out += d.format();
  return out;
}

void Diagnostics::append(const Diagnostics& other) {
  items.insert(items.end(), other.items.begin(), other.items.end());
}

std::string_view SourceFile::line_text(int line) const {
  if (line < 1) return {};
  size_t start = 0;
  for (int i = 1; i < line; ++i) {
    start = content.find('\n', start);
    if (start == std::string::npos) return {};
    ++start;
  }
  size_t end = content.find('\n', start);
  if (end == std::string::npos) end = content.size();
  return std::string_view(content).substr(start, end - start);
}

std::shared_ptr<SourceText> SourceText::inline_text(std::string text, std::string name) {
  auto src = std::make_shared<SourceText>();
  src->name_ = std::move(name);
  src->append(text, nullptr, 1, 1);
  return src;
}

void SourceText::append(std::string_view text, std::shared_ptr<const SourceFile> file, int line,
                        int column) {
  if (!text_.empty()) text_ += ' ';
  pieces_.push_back({text_.size(), std::move(file), line, column});
  text_ += text;
}

namespace {

// Offset of (line, column) in content, both 1-based.
size_t file_offset(const std::string& content, int line, int column) {
  size_t pos = 0;
  for (int i = 1; i < line && pos != std::string::npos; ++i) {
    pos = content.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  if (pos == std::string::npos) return content.size();
  return std::min(content.size(), pos + static_cast<size_t>(column - 1));
}

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

}  // namespace

// YAML folds block scalars and strips indentation, so the scalar's text is
// not a verbatim slice of the file. Walking both in step and skipping
// whitespace on either side realigns them; a mismatch (an escape sequence in
// a quoted scalar) stops the walk at the last position known to be right.
Location SourceText::locate(size_t offset) const {
  Location loc;
  const Piece* piece = nullptr;
  for (const auto& p : pieces_) {
    if (p.offset <= offset) piece = &p;
  }
  if (!piece) return loc;
  size_t rel = offset - piece->offset;
  if (!piece->file) {
    loc.file = name_;
    loc.line = 1;
    loc.column = static_cast<int>(offset) + 1;
    loc.source_line = text_;
    return loc;
  }
  const std::string& content = piece->file->content;
  size_t fpos = file_offset(content, piece->line, piece->column);
  // Block scalar indicators and quotes precede the text itself.
  if (fpos < content.size() && (content[fpos] == '>' || content[fpos] == '|')) {
    fpos = content.find('\n', fpos);
    if (fpos == std::string::npos) fpos = content.size();
  } else if (fpos < content.size() && (content[fpos] == '"' || content[fpos] == '\'')) {
    ++fpos;
  }
  size_t tpos = piece->offset;
  size_t target = piece->offset + rel;
  while (tpos < target && tpos < text_.size()) {
    if (is_space(text_[tpos])) {
      ++tpos;
      continue;
    }
    while (fpos < content.size() && is_space(content[fpos])) ++fpos;
    if (fpos >= content.size() || content[fpos] != text_[tpos]) break;
    ++tpos;
    ++fpos;
  }
  if (tpos == target && target < text_.size() && !is_space(text_[target])) {
    while (fpos < content.size() && is_space(content[fpos])) ++fpos;
  }
  loc.file = piece->file->path;
  loc.line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < fpos && i < content.size(); ++i) {
    if (content[i] == '\n') {
      ++loc.line;
      line_start = i + 1;
    }
  }
  loc.column = static_cast<int>(fpos - line_start) + 1;
  loc.source_line = std::string(piece->file->line_text(loc.line));
  return loc;
}

}  // namespace ksight::rules
