#pragma once
// Tokens of the condition language (grammar in parser.h). The lexer has two
// modes because Falco's right-hand sides are unquoted most of the time
// (`fd.name startswith /etc/`): next() reads condition tokens, next_value()
// reads one value (a quoted string or a bare word up to a space, comma or
// parenthesis) or list punctuation.
#include <cstdint>
#include <string>
#include <string_view>

namespace ksight::rules {

enum class TokenKind {
  kWord,    // field, keyword, macro name, bare value, number
  kString,  // quoted value, text without the quotes
  kLParen,
  kRParen,
  kComma,
  kPipe,      // starts a rate clause
  kOperator,  // = == != < <= > >=
  kEnd,
  kInvalid,  // text holds the error message
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  uint32_t offset = 0;
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}
  Token next();
  Token next_value();
  Token peek();
  uint32_t offset() const { return static_cast<uint32_t>(pos_); }

 private:
  void skip_space();
  Token quoted(char quote);
  Token single(TokenKind kind);

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace ksight::rules
