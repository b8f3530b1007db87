#pragma once
// Hand-written recursive-descent parser for the one-liner language.
//
// Grammar (EBNF; ATTACH, IDENT, INT, STRING, VAR, MAP are lexer tokens):
//
//   program     = { probe } ;
//   probe       = ATTACH { "," ATTACH } [ "/" expr "/" ] block ;
//   block       = "{" { stmt [ ";" ] } "}" ;
//   stmt        = if_stmt | while_stmt | unroll_stmt | "break" | "continue"
//               | assignment | expr ;
//   if_stmt     = "if" "(" expr ")" block [ "else" ( if_stmt | block ) ] ;
//   while_stmt  = "while" "(" expr ")" block ;
//   unroll_stmt = "unroll" "(" ( INT | POSITIONAL ) ")" block ;
//   assignment  = ( map | VAR ) ( "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|="
//                               | "^=" | "<<=" | ">>=" ) expr ;
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
//   unary       = ( "!" | "-" | "~" ) unary
//               | ( "++" | "--" ) ( map | VAR )
//               | "(" INT_TYPE ")" unary
//               | postfix ;
//   postfix     = primary { ( "." | "->" ) IDENT } [ "++" | "--" ]   (++/-- on map or VAR)
//   primary     = INT | STRING | POSITIONAL | "(" expr ")" | map | VAR
//               | "sizeof" "(" ( INT_TYPE | expr ) ")"
//               | IDENT [ "(" [ expr { "," expr } ] ")" ] ;
//   map         = MAP [ "[" expr { "," expr } "]" ] ;
//   INT_TYPE    = "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32"
//               | "int64" | "uint64" ;
//   POSITIONAL  = "$" DIGITS | "$#"   (a VAR token spelled so)
//
// Precedence and associativity are C's. Statements may omit the ';' after a
// block-ending if/else/while/unroll and before '}'.
#include <cstdint>
#include <string_view>

#include "trace/ast/ast.h"

namespace ksight::trace {

// Parses `source` into nodes owned by `arena`; throws CompileError.
ast::Program parse(std::string_view source, ast::Arena& arena);

// Width in bytes and signedness of a cast/sizeof type name ("uint8"...);
// false when `name` is not one.
bool int_type(std::string_view name, uint32_t& bytes, bool& is_signed);

}  // namespace ksight::trace
