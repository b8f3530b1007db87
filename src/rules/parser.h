#pragma once
// Recursive-descent parser for rule conditions (Falco's filter language plus
// ksight's rate clause). Grammar, lowest precedence first:
//
//   rule_condition = expr [ "|" rate_clause ] ;      (rate clause: rules only)
//   expr           = and_expr { "or" and_expr } ;
//   and_expr       = not_expr { "and" not_expr } ;
//   not_expr       = "not" not_expr | primary ;
//   primary        = "(" expr ")"
//                  | field "exists"
//                  | field cmp_op value
//                  | field list_op list
//                  | macro_name ;
//   cmp_op         = "=" | "==" | "!=" | "<" | "<=" | ">" | ">="
//                  | "contains" | "icontains" | "startswith" | "endswith"
//                  | "glob" | "iglob" | "bcontains" | "bstartswith" ;
//   list_op        = "in" | "intersects" | "pmatch" ;
//   list           = "(" [ value { "," value } ] ")" | list_name ;
//   value          = quoted_string | bare_word ;
//   field          = name [ "[" argument "]" ] ;     e.g. proc.aname[2], evt.arg.flags,
//                                                    container.mount.dest[/proc*]
//   rate_clause    = "count" [ "by" "(" field { "," field } ")" ]
//                    ( ">" | ">=" | "=" ) integer "within" duration ;
//   duration       = integer ( "ms" | "s" | "m" | "h" ) ;   e.g. 60s
//
// Nesting (parentheses and `not`) is limited to 200 levels.
//
// A bare word is any run of characters up to a space, comma or parenthesis;
// quoted strings take "..." or '...' with backslash escapes. Inside a list, a
// bare item naming a list is replaced by that list's items (passes.h). Keywords
// (and, or, not, operators) are case-sensitive, as in Falco.
#include <memory>
#include <optional>
#include <string>

#include "rules/ast.h"

namespace ksight::rules {

struct ParseResult {
  NodePtr root;
  std::optional<RateClause> rate;
  // Set on failure; the parser stops at the first error.
  std::optional<Diagnostic> error;
};

ParseResult parse_condition(std::shared_ptr<const SourceText> source, bool allow_rate);

}  // namespace ksight::rules
