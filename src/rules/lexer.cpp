#include "rules/lexer.h"

#include <cctype>

namespace ksight::rules {

namespace {

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool ends_word(char c) {
  switch (c) {
    case '(':
    case ')':
    case ',':
    case '|':
    case '=':
    case '!':
    case '<':
    case '>':
    case '"':
    case '\'':
      return true;
    default:
      return is_space(c);
  }
}

bool ends_value(char c) {
  return is_space(c) || c == '(' || c == ')' || c == ',';
}

}  // namespace

void Lexer::skip_space() {
  while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
}

Token Lexer::single(TokenKind kind) {
  Token tok{kind, std::string(1, text_[pos_]), static_cast<uint32_t>(pos_)};
  ++pos_;
  return tok;
}

Token Lexer::quoted(char quote) {
  Token tok{TokenKind::kString, "", static_cast<uint32_t>(pos_)};
  ++pos_;
  while (pos_ < text_.size() && text_[pos_] != quote) {
    char c = text_[pos_++];
    if (c == '\\' && pos_ < text_.size()) c = text_[pos_++];
    tok.text += c;
  }
  if (pos_ >= text_.size()) return {TokenKind::kInvalid, "unterminated string", tok.offset};
  ++pos_;
  return tok;
}

Token Lexer::next() {
  skip_space();
  if (pos_ >= text_.size()) return {TokenKind::kEnd, "", static_cast<uint32_t>(pos_)};
  char c = text_[pos_];
  switch (c) {
    case '(':
      return single(TokenKind::kLParen);
    case ')':
      return single(TokenKind::kRParen);
    case ',':
      return single(TokenKind::kComma);
    case '|':
      return single(TokenKind::kPipe);
    case '"':
    case '\'':
      return quoted(c);
    default:
      break;
  }
  size_t start = pos_;
  if (c == '=' || c == '!' || c == '<' || c == '>') {
    ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '=') ++pos_;
    std::string op(text_.substr(start, pos_ - start));
    if (op == "!")
      return {TokenKind::kInvalid, "'!' is not an operator (use != or not)",
              static_cast<uint32_t>(start)};
    return {TokenKind::kOperator, op, static_cast<uint32_t>(start)};
  }
  while (pos_ < text_.size() && !ends_word(text_[pos_])) ++pos_;
  return {TokenKind::kWord, std::string(text_.substr(start, pos_ - start)),
          static_cast<uint32_t>(start)};
}

Token Lexer::next_value() {
  skip_space();
  if (pos_ >= text_.size()) return {TokenKind::kEnd, "", static_cast<uint32_t>(pos_)};
  char c = text_[pos_];
  switch (c) {
    case '(':
      return single(TokenKind::kLParen);
    case ')':
      return single(TokenKind::kRParen);
    case ',':
      return single(TokenKind::kComma);
    case '"':
    case '\'':
      return quoted(c);
    default:
      break;
  }
  size_t start = pos_;
  while (pos_ < text_.size() && !ends_value(text_[pos_])) ++pos_;
  return {TokenKind::kWord, std::string(text_.substr(start, pos_ - start)),
          static_cast<uint32_t>(start)};
}

Token Lexer::peek() {
  size_t saved = pos_;
  Token tok = next();
  pos_ = saved;
  return tok;
}

}  // namespace ksight::rules
