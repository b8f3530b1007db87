#pragma once
// Tokens of the one-liner language. Outside braces and predicates the lexer
// reads attach points ("tracepoint:syscalls:sys_enter_*", "uprobe:/bin/sh:main")
// as single tokens, because they contain characters (':', '*', '/', '-')
// that mean operators inside actions.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trace/ast/ast.h"

namespace ksight::trace {

enum class Tok {
  kEnd,
  kAttachPoint,  // only outside blocks
  kIdent,        // pid, count, if, else, args
  kInt,
  kString,
  kVar,    // $name, $1 (positional parameter), $#
  kMap,    // @name or @
  kPunct,  // operators and punctuation; text holds it ("==", "{", ...)
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;   // identifier/operator text, or the decoded string literal
  int64_t value = 0;  // kInt
  ast::Location loc;
};

// Tokenizes the whole program; throws CompileError on a bad character,
// an unterminated string or comment.
std::vector<Token> tokenize(std::string_view source);

}  // namespace ksight::trace
