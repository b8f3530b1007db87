#pragma once
// User mistakes in a one-liner become diagnostics: "line:col: error: msg",
// the source line, a caret under the column, and an optional hint. A
// CompileError carries the rendered text to the CLI.
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "trace/ast/ast.h"

namespace ksight::trace {

struct Diagnostic {
  ast::Location loc;
  std::string message;
  std::string hint;  // e.g. "did you mean 'comm'?"
};

// Renders a diagnostic against `source` (the whole program text).
std::string render(const Diagnostic& diag, std::string_view source);

class CompileError : public Error {
 public:
  CompileError(Diagnostic diag, std::string rendered, int exit_code = kExitFailure)
      : Error(rendered, exit_code), diag_(std::move(diag)) {}
  const Diagnostic& diagnostic() const { return diag_; }

 private:
  Diagnostic diag_;
};

// Throws CompileError rendered against `source`.
[[noreturn]] void fail(std::string_view source, ast::Location loc, std::string message,
                       std::string hint = {});
// Same, for a request the kernel cannot serve (exit code kExitNoCapability).
[[noreturn]] void fail_capability(std::string_view source, ast::Location loc, std::string message);

// The candidate closest to `word` by edit distance, or "" if none is close.
std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates);
// "did you mean 'x'?" for the nearest candidate, or "".
std::string suggest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace ksight::trace
