#pragma once
// Hand-written recursive-descent parser for the one-liner language.
//
// Grammar (EBNF; ATTACH, IDENT, INT, STRING, VAR, MAP are lexer tokens):
//
//   program     = { probe } ;
//   probe       = ATTACH { "," ATTACH } [ "/" expr "/" ] block ;
//   block       = "{" { stmt [ ";" ] } "}" ;
//   stmt        = if_stmt | assignment | expr ;
//   if_stmt     = "if" "(" expr ")" block [ "else" ( if_stmt | block ) ] ;
//   assignment  = ( map | VAR ) ( "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|="
//                               | "^=" | "<<=" | ">>=" ) expr
//               | ( map | VAR ) ( "++" | "--" ) ;
//   expr        = ternary ;
//   ternary     = lor [ "?" expr ":" ternary ] ;
//   lor         = land { "||" land } ;
//   land        = bor { "&&" bor } ;
//   bor         = bxor { "|" bxor } ;
//   bxor        = band { "^" band } ;
//   band        = equality { "&" equality } ;
//   equality    = relational { ( "==" | "!=" ) relational } ;
//   relational  = shift { ( "<" | "<=" | ">" | ">=" ) shift } ;
//   shift       = additive { ( "<<" | ">>" ) additive } ;
//   additive    = term { ( "+" | "-" ) term } ;
//   term        = unary { ( "*" | "/" | "%" ) unary } ;      (no top-level "/" in a predicate)
//   unary       = ( "!" | "-" | "~" ) unary | postfix ;
//   postfix     = primary { ( "." | "->" ) IDENT } ;
//   primary     = INT | STRING | "(" expr ")" | map | VAR | IDENT [ "(" [ expr { "," expr } ] ")" ]
//   ; map         = MAP [ "[" expr { "," expr } "]" ] ;
//
// Precedence and associativity are C's. Statements may omit the ';' after a
// block-ending if/else and before '}'.
#include <string_view>

#include "trace/ast/ast.h"

namespace ksight::trace {

// Parses `source` into nodes owned by `arena`; throws CompileError.
ast::Program parse(std::string_view source, ast::Arena& arena);

}  // namespace ksight::trace
