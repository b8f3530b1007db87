#pragma once
// The one-liner AST. Nodes are owned by an Arena (one per compiled program)
// and refer to each other with plain pointers, as bpftrace's AST does: passes
// never free nodes, and a whole program dies with its arena.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "trace/ast/types.h"

namespace ksight::trace::ast {

struct Location {
  int line = 1;
  int col = 1;
};

enum class NodeKind {
  kInteger,
  kString,
  kBuiltin,   // pid, comm, nsecs, arg0, retval ...
  kVariable,  // $x
  kMap,       // @name[k1, k2]
  kCall,      // count(), str(x), printf(...)
  kBinop,
  kUnop,
  kTernary,
  kField,       // args.X / args->X
  kPositional,  // $1, $2 ... and $# (command-line arguments after the program)
  kIncDec,      // ++x, x++, --x, x--
  kCast,        // (uint8)x
  kSizeof,      // sizeof(uint32), sizeof(expr)
  kExprStmt,
  kAssignMap,
  kAssignVar,
  kIf,
  kWhile,
  kUnroll,
  kJump,  // break, continue
};

struct Node {
  explicit Node(NodeKind k, Location l) : kind(k), loc(l) {}
  virtual ~Node() = default;
  NodeKind kind;
  Location loc;
};

struct Expr : Node {
  using Node::Node;
  Type type;  // filled by the semantic pass
};

struct Integer : Expr {
  Integer(int64_t v, Location l) : Expr(NodeKind::kInteger, l), value(v) {}
  int64_t value;
};

struct String : Expr {
  String(std::string v, Location l) : Expr(NodeKind::kString, l), value(std::move(v)) {}
  std::string value;
};

struct Builtin : Expr {
  Builtin(std::string n, Location l) : Expr(NodeKind::kBuiltin, l), name(std::move(n)) {}
  std::string name;
};

struct Variable : Expr {
  Variable(std::string n, Location l) : Expr(NodeKind::kVariable, l), name(std::move(n)) {}
  std::string name;  // with the leading '$'
};

struct Map : Expr {
  Map(std::string n, std::vector<Expr*> k, Location l)
      : Expr(NodeKind::kMap, l), name(std::move(n)), keys(std::move(k)) {}
  std::string name;  // with the leading '@' ("@" alone for the anonymous map)
  std::vector<Expr*> keys;
};

struct Call : Expr {
  Call(std::string f, std::vector<Expr*> a, Location l)
      : Expr(NodeKind::kCall, l), func(std::move(f)), args(std::move(a)) {}
  std::string func;
  std::vector<Expr*> args;
  int format_id = -1;  // printf: index into ProgramInfo::formats
};

enum class Op {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kBand,
  kBor,
  kBxor,
  kShl,
  kShr,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kLand,
  kLor,
  kNot,
  kNeg,
  kBnot,
};
const char* op_name(Op op);

struct Binop : Expr {
  Binop(Op o, Expr* l, Expr* r, Location loc)
      : Expr(NodeKind::kBinop, loc), op(o), lhs(l), rhs(r) {}
  Op op;
  Expr* lhs;
  Expr* rhs;
};

struct Unop : Expr {
  Unop(Op o, Expr* e, Location loc) : Expr(NodeKind::kUnop, loc), op(o), operand(e) {}
  Op op;
  Expr* operand;
};

struct Ternary : Expr {
  Ternary(Expr* c, Expr* t, Expr* f, Location loc)
      : Expr(NodeKind::kTernary, loc), cond(c), then_expr(t), else_expr(f) {}
  Expr* cond;
  Expr* then_expr;
  Expr* else_expr;
};

struct Field : Expr {
  Field(Expr* b, std::string f, Location loc)
      : Expr(NodeKind::kField, loc), base(b), field(std::move(f)) {}
  Expr* base;  // the `args` builtin
  std::string field;
};

// $N (index N >= 1) or $# (index 0). The semantic pass checks the
// argument and fills `value` (numeric use) or `text` (inside str()).
struct Positional : Expr {
  Positional(int i, Location loc) : Expr(NodeKind::kPositional, loc), index(i) {}
  int index;
  bool as_string = false;  // the argument of str()
  int64_t value = 0;
  std::string text;
};

// Pre- or post-increment/decrement of a map element or a variable; as an
// expression its value is the new (prefix) or old (postfix) value.
struct IncDec : Expr {
  IncDec(Expr* t, bool inc, bool pre, Location loc)
      : Expr(NodeKind::kIncDec, loc), target(t), increment(inc), prefix(pre) {}
  Expr* target;  // Map or Variable
  bool increment;
  bool prefix;
};

// (int8)x ... (uint64)x: truncates, then sign- or zero-extends.
struct Cast : Expr {
  Cast(std::string t, Expr* e, Location loc)
      : Expr(NodeKind::kCast, loc), type_name(std::move(t)), operand(e) {}
  std::string type_name;
  Expr* operand;
};

// sizeof(TYPE) or sizeof(expr); the expression is typed, never evaluated.
struct Sizeof : Expr {
  Sizeof(std::string t, Expr* e, Location loc)
      : Expr(NodeKind::kSizeof, loc), type_name(std::move(t)), operand(e) {}
  std::string type_name;    // empty for sizeof(expr)
  Expr* operand = nullptr;  // null for sizeof(TYPE)
  int64_t value = 0;        // filled by the semantic pass
};

struct Stmt : Node {
  using Node::Node;
};

struct ExprStmt : Stmt {
  ExprStmt(Expr* e, Location loc) : Stmt(NodeKind::kExprStmt, loc), expr(e) {}
  Expr* expr;
};

struct AssignMap : Stmt {
  AssignMap(Map* m, Expr* e, Location loc) : Stmt(NodeKind::kAssignMap, loc), map(m), expr(e) {}
  Map* map;
  Expr* expr;
};

struct AssignVar : Stmt {
  AssignVar(Variable* v, Expr* e, Location loc)
      : Stmt(NodeKind::kAssignVar, loc), var(v), expr(e) {}
  Variable* var;
  Expr* expr;
};

struct If : Stmt {
  If(Expr* c, std::vector<Stmt*> t, std::vector<Stmt*> e, Location loc)
      : Stmt(NodeKind::kIf, loc), cond(c), then_block(std::move(t)), else_block(std::move(e)) {}
  Expr* cond;
  std::vector<Stmt*> then_block;
  std::vector<Stmt*> else_block;
};

struct While : Stmt {
  While(Expr* c, std::vector<Stmt*> b, Location loc)
      : Stmt(NodeKind::kWhile, loc), cond(c), body(std::move(b)) {}
  Expr* cond;
  std::vector<Stmt*> body;
};

// unroll(N) { ... }: the body N times (N a constant 1..100).
struct Unroll : Stmt {
  Unroll(Expr* n, std::vector<Stmt*> b, Location loc)
      : Stmt(NodeKind::kUnroll, loc), count(n), body(std::move(b)) {}
  Expr* count;  // an Integer or a Positional
  std::vector<Stmt*> body;
  int64_t times = 0;  // filled by the semantic pass
};

struct Jump : Stmt {
  Jump(bool brk, Location loc) : Stmt(NodeKind::kJump, loc), is_break(brk) {}
  bool is_break;  // else continue
};

// One attach point as written, e.g. "tracepoint:syscalls:sys_enter_open*".
struct AttachPoint {
  std::string text;
  Location loc;
};

struct Probe {
  std::vector<AttachPoint> attach_points;
  Expr* predicate = nullptr;
  std::vector<Stmt*> block;
  Location loc;
};

struct Program {
  std::vector<Probe*> probes;
};

// Owns every node of one program.
class Arena {
 public:
  template <typename T, typename... Args>
  T* make(Args&&... args) {
    auto node = std::make_unique<T>(std::forward<Args>(args)...);
    T* raw = node.get();
    nodes_.push_back(std::move(node));
    return raw;
  }
  Probe* make_probe() {
    probes_.push_back(std::make_unique<Probe>());
    return probes_.back().get();
  }

 private:
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Probe>> probes_;
};

}  // namespace ksight::trace::ast
