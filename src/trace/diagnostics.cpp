#include "trace/diagnostics.h"

#include <algorithm>
#include <sstream>

namespace ksight::trace {

namespace {

std::string_view line_of(std::string_view source, int line) {
  size_t start = 0;
  for (int i = 1; i < line; ++i) {
    size_t nl = source.find('\n', start);
    if (nl == std::string_view::npos) return {};
    start = nl + 1;
  }
  size_t end = source.find('\n', start);
  return source.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string render(const Diagnostic& diag, std::string_view source) {
  std::ostringstream out;
  out << diag.loc.line << ":" << diag.loc.col << ": error: " << diag.message;
  std::string_view text = line_of(source, diag.loc.line);
  if (!text.empty()) {
    out << "\n" << text << "\n";
    for (int i = 1; i < diag.loc.col; ++i) {
      char c = static_cast<size_t>(i - 1) < text.size() ? text[i - 1] : ' ';
      out << (c == '\t' ? '\t' : ' ');
    }
    out << "^";
  }
  if (!diag.hint.empty()) out << "\n" << diag.hint;
  return out.str();
}

void fail(std::string_view source, ast::Location loc, std::string message, std::string hint) {
  Diagnostic diag{loc, std::move(message), std::move(hint)};
  std::string text = render(diag, source);
  throw CompileError(std::move(diag), std::move(text));
}

void fail_capability(std::string_view source, ast::Location loc, std::string message) {
  Diagnostic diag{loc, std::move(message), {}};
  std::string text = render(diag, source);
  throw CompileError(std::move(diag), std::move(text), kExitNoCapability);
}

std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string suggest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best = nearest_name(word, candidates);
  return best.empty() ? std::string() : "did you mean '" + best + "'?";
}

}  // namespace ksight::trace
