#include "trace/lexer.h"

#include <cctype>

#include "trace/diagnostics.h"

namespace ksight::trace {

namespace {

// Longest operators first so "<<=" is not read as "<" "<=".
constexpr std::string_view kOperators[] = {
    "<<=", ">>=", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "->", "++", "--", "+=", "-=",
    "*=",  "/=",  "%=", "&=", "|=", "^=", "+",  "-",  "*",  "/",  "%",  "&",  "|",  "^",  "!",
    "~",   "<",   ">",  "=",  "(",  ")",  "[",  "]",  "{",  "}",  ",",  ";",  ".",  "?",  ":"};

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    while (true) {
      skip_space_and_comments();
      Token tok;
      tok.loc = {line_, col_};
      if (pos_ >= src_.size()) {
        out.push_back(tok);
        return out;
      }
      lex_one(tok);
      track_context(tok);
      out.push_back(std::move(tok));
    }
  }

 private:
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  void advance(size_t n = 1) {
    for (size_t i = 0; i < n && pos_ < src_.size(); ++i) {
      if (src_[pos_] == '\n') {
        ++line_;
        col_ = 1;
      } else {
        ++col_;
      }
      ++pos_;
    }
  }

  void skip_space_and_comments() {
    while (pos_ < src_.size()) {
      char c = peek();
      if (std::isspace(static_cast<unsigned char>(c))) {
        advance();
      } else if (c == '/' && peek(1) == '/') {
        while (pos_ < src_.size() && peek() != '\n') advance();
      } else if (c == '/' && peek(1) == '*') {
        ast::Location start{line_, col_};
        advance(2);
        while (pos_ < src_.size() && !(peek() == '*' && peek(1) == '/')) advance();
        if (pos_ >= src_.size()) fail(src_, start, "unterminated comment");
        advance(2);
      } else {
        return;
      }
    }
  }

  bool in_attach_context() const { return brace_depth_ == 0 && !in_predicate_; }

  void lex_one(Token& tok) {
    char c = peek();
    if (in_attach_context() && (ident_start(c) || c == '*')) return lex_attach_point(tok);
    if (std::isdigit(static_cast<unsigned char>(c))) return lex_number(tok);
    if (c == '"') return lex_string(tok);
    if (c == '$' || c == '@') return lex_sigil(tok);
    if (ident_start(c)) {
      size_t start = pos_;
      while (ident_char(peek())) advance();
      tok.kind = Tok::kIdent;
      tok.text = std::string(src_.substr(start, pos_ - start));
      return;
    }
    for (auto op : kOperators) {
      if (src_.substr(pos_, op.size()) == op) {
        tok.kind = Tok::kPunct;
        tok.text = std::string(op);
        advance(op.size());
        return;
      }
    }
    fail(src_, tok.loc, std::string("unexpected character '") + c + "'");
  }

  // An attach point runs to whitespace, ',' or '{'. A '/' ends it (a
  // predicate follows) unless the current ':'-separated part is a path.
  void lex_attach_point(Token& tok) {
    size_t start = pos_;
    size_t part_start = pos_;
    while (pos_ < src_.size()) {
      char c = peek();
      if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '{') break;
      if (c == '/' && src_[part_start] != '/' && pos_ != part_start) break;
      if (c == ':') part_start = pos_ + 1;
      advance();
    }
    tok.kind = Tok::kAttachPoint;
    tok.text = std::string(src_.substr(start, pos_ - start));
  }

  void lex_number(Token& tok) {
    size_t start = pos_;
    int base = 10;
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      base = 16;
      advance(2);
    }
    while (std::isxdigit(static_cast<unsigned char>(peek())) || peek() == '_') advance();
    std::string digits;
    for (char c : src_.substr(start, pos_ - start)) {
      if (c != '_') digits += c;
    }
    try {
      tok.value = static_cast<int64_t>(std::stoull(digits, nullptr, base));
    } catch (const std::exception&) {
      fail(src_, tok.loc, "invalid integer '" + digits + "'");
    }
    if (ident_char(peek())) fail(src_, {line_, col_}, "invalid suffix on integer");
    tok.kind = Tok::kInt;
    tok.text = digits;
  }

  void lex_string(Token& tok) {
    advance();
    std::string value;
    while (true) {
      if (pos_ >= src_.size() || peek() == '\n') fail(src_, tok.loc, "unterminated string");
      char c = peek();
      advance();
      if (c == '"') break;
      if (c == '\\') {
        char e = peek();
        advance();
        switch (e) {
          case 'n':
            value += '\n';
            break;
          case 't':
            value += '\t';
            break;
          case '\\':
            value += '\\';
            break;
          case '"':
            value += '"';
            break;
          case '0':
            value += '\0';
            break;
          default:
            value += '\\';
            value += e;
        }
      } else {
        value += c;
      }
    }
    tok.kind = Tok::kString;
    tok.text = std::move(value);
  }

  void lex_sigil(Token& tok) {
    char sigil = peek();
    size_t start = pos_;
    advance();
    if (sigil == '$' && peek() == '#') {
      advance();  // $#: the number of positional parameters
    } else {
      while (ident_char(peek())) advance();
    }
    tok.text = std::string(src_.substr(start, pos_ - start));
    if (sigil == '$' && tok.text.size() == 1)
      fail(src_, tok.loc, "expected a variable name after '$'");
    tok.kind = sigil == '$' ? Tok::kVar : Tok::kMap;
  }

  // Braces and predicate slashes decide whether the next word is an attach point.
  void track_context(const Token& tok) {
    if (tok.kind != Tok::kPunct) return;
    if (tok.text == "{") ++brace_depth_;
    if (tok.text == "}") --brace_depth_;
    if (brace_depth_ > 0) return;
    if (tok.text == "(") ++paren_depth_;
    if (tok.text == ")") --paren_depth_;
    if (tok.text == "/" && paren_depth_ == 0) in_predicate_ = !in_predicate_;
  }

  std::string_view src_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
  int brace_depth_ = 0;
  int paren_depth_ = 0;
  bool in_predicate_ = false;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) {
  return Lexer(source).run();
}

}  // namespace ksight::trace
