#pragma once
// User-facing problems in rule files and conditions. Every diagnostic points
// at a file, a 1-based line and column, and carries the offending source line
// so it prints as
//   rules/x.yaml:12:20: error: unknown field 'proc.nme'
//     condition: proc.nme = bash
//                ^
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ksight::rules {

// kNote: printed, but neither a warning (for --strict) nor an error.
enum class Severity { kNote, kWarning, kError };

struct Location {
  std::string file;
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based
  std::string source_line;
};

struct Diagnostic {
  Severity severity = Severity::kError;
  Location where;
  std::string message;

  // "file:line:col: error: message" plus the source line and a caret.
  std::string format() const;
};

struct Diagnostics {
  std::vector<Diagnostic> items;

  void error(Location where, std::string message);
  void warning(Location where, std::string message);
  void note(Location where, std::string message);
  bool has_errors() const;
  size_t error_count() const;
  size_t warning_count() const;
  // Every diagnostic formatted, one after another.
  std::string format() const;
  void append(const Diagnostics& other);
};

// The text of one rule file, kept so diagnostics can quote its lines.
struct SourceFile {
  std::string path;
  std::string content;
  // 1-based line of the file, without its newline ("" when out of range).
  std::string_view line_text(int line) const;
};

// A condition's text and where each piece of it came from. Override
// "append" glues several YAML scalars (possibly from different files) into
// one condition; each piece remembers its scalar's start so an offset in the
// glued text maps back to the file position the user wrote.
class SourceText {
 public:
  struct Piece {
    size_t offset = 0;                       // where this piece starts in text()
    std::shared_ptr<const SourceFile> file;  // null: synthetic text
    int line = 1;                            // 1-based start of the scalar in the file
    int column = 1;
  };

  // Text typed directly (CLI, tests): positions are columns of `text`.
  static std::shared_ptr<SourceText> inline_text(std::string text,
                                                 std::string name = "<condition>");

  SourceText() = default;
  void append(std::string_view text, std::shared_ptr<const SourceFile> file, int line, int column);
  const std::string& text() const { return text_; }
  Location locate(size_t offset) const;

 private:
  std::string text_;
  std::string name_ = "<condition>";
  std::vector<Piece> pieces_;
};

}  // namespace ksight::rules
