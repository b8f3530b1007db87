# cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -P embed_file.cmake
# Writes a .cpp defining ksight::rules::default_rules_yaml() with INPUT's text,
# so the ksight binary carries its default ruleset. Generated; do not edit.
file(READ ${INPUT} content)
# Raw string literals cap their length in some compilers; split into chunks.
string(LENGTH "${content}" len)
set(chunks "")
set(pos 0)
while(pos LESS len)
  string(SUBSTRING "${content}" ${pos} 8000 chunk)
  string(APPEND chunks "R\"ksight_embed(${chunk})ksight_embed\"\n")
  math(EXPR pos "${pos} + 8000")
endwhile()
file(WRITE ${OUTPUT}.tmp
"// Generated from ${INPUT} by embed_file.cmake. Do not edit.\n"
"#include \"rules/ruleset.h\"\n"
"namespace ksight::rules {\n"
"std::string_view default_rules_yaml() {\n"
"  static const char kText[] =\n${chunks};\n"
"  return std::string_view(kText, sizeof(kText) - 1);\n"
"}\n"
"}  // namespace ksight::rules\n")
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
