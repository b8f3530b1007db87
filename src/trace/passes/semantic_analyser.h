#pragma once
// Pass: types every expression of every concrete probe, checks builtins,
// functions, map and variable use against the probe type, and collects maps
// and printf formats into a ProgramInfo. Run it over all probes (twice, so a
// map read before its assignment in source order still gets its type), then
// once more per probe right before that probe's code generation.
#include <map>
#include <string_view>
#include <vector>

#include "trace/probes.h"
#include "trace/program_info.h"

namespace ksight::trace {

class SemanticAnalyser {
 public:
  SemanticAnalyser(std::string_view source, ProgramInfo& info) : src_(source), info_(info) {}

  // Types the probe's nodes (overwriting earlier types: a wildcard probe's
  // block is shared by several tracepoints with different field offsets).
  void analyse(const ConcreteProbe& probe);

  // Strict: reading a map whose value type is still unknown is an error
  // (the last round, once every assignment has been seen).
  void set_strict(bool strict) { strict_ = strict; }

  // Builtins known to the language, for suggestions.
  static const std::vector<std::string>& builtin_names();
  static const std::vector<std::string>& function_names();

 private:
  // semantic_analyser.cpp: statements, maps, operators
  void stmt(ast::Stmt* s);
  void assign_var(ast::AssignVar* a);
  void loop_body(const std::vector<ast::Stmt*>& body);
  void unroll(ast::Unroll* u);
  void assign_map(ast::AssignMap* s);
  void expr(ast::Expr* e);
  void variable(ast::Variable* v);
  void builtin(ast::Builtin* b);
  void field(ast::Field* f);
  void map_read(ast::Map* m);
  void binop(ast::Binop* b);
  void inc_dec(ast::IncDec* d);
  void cast(ast::Cast* c);
  void size_of(ast::Sizeof* s);
  void positional(ast::Positional* p);
  ast::Type aggregation(ast::Call* c);
  MapInfo& declare_map(ast::Map* m);
  void check_keys(ast::Map* m, MapInfo& info);
  void require_int(ast::Expr* e, const std::string& what);
  int64_t require_const(ast::Expr* e, const std::string& what);
  [[noreturn]] void error(ast::Location loc, const std::string& msg, const std::string& hint = {});

  // semantic_calls.cpp: functions
  void call(ast::Call* c);
  void call_statement(ast::Call* c);
  void printf_call(ast::Call* c);
  void print_call(ast::Call* c);
  void time_call(ast::Call* c);
  void str_call(ast::Call* c);
  void ntop_call(ast::Call* c);
  void ntop_address(ast::Expr* addr);
  void strftime_call(ast::Call* c);
  void stack_call(ast::Call* c, bool user);
  void reg_call(ast::Call* c);

  std::string_view src_;
  ProgramInfo& info_;
  const ConcreteProbe* probe_ = nullptr;
  std::map<std::string, ast::Type> vars_;
  bool strict_ = true;
  int loop_depth_ = 0;        // while loops around the statement (break/continue)
  bool allow_bytes_ = false;  // the field is an argument of ntop() or sizeof()
};

// x86_64 struct pt_regs offset of a register ("ip", "sp", "di"...), or -1.
int pt_regs_offset(const std::string& name);

// Runs the analyser over every probe until types are stable.
void analyse_program(std::string_view source, const std::vector<ConcreteProbe>& probes,
                     ProgramInfo& info);

}  // namespace ksight::trace
