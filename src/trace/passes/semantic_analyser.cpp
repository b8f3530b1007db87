#include "trace/passes/semantic_analyser.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "trace/diagnostics.h"
#include "trace/parser.h"
#include "trace/usdt_args.h"

namespace ksight::trace {

using ast::NodeKind;
using ast::Type;
using ast::TypeKind;

namespace {

constexpr uint32_t kStrSize = 64;
constexpr uint32_t kCommSize = 16;

bool is_user_probe(ProbeType t) {
  return t == ProbeType::kUprobe || t == ProbeType::kUretprobe || t == ProbeType::kUsdt;
}

Type merge_strings(Type a, Type b) {
  a.size = std::max(a.size, b.size);
  return a;
}

// Integers parse like C literals (42, -5, 0x10); anything else is text.
bool parse_int(const std::string& text, int64_t& out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 0);
  if (errno != 0 || *end != '\0') return false;
  out = v;
  return true;
}

}  // namespace

const std::vector<std::string>& SemanticAnalyser::builtin_names() {
  static const std::vector<std::string> names = {
      "pid",    "tid",  "uid",    "gid",    "cpu",   "nsecs", "elapsed",
      "cgroup", "comm", "kstack", "ustack", "probe", "func",  "retval",
      "args",   "arg0", "arg1",   "arg2",   "arg3",  "arg4",  "arg5"};
  return names;
}

const std::vector<std::string>& SemanticAnalyser::function_names() {
  static const std::vector<std::string> names = {
      "count",  "sum",  "min",  "max",    "avg",    "stats",    "hist",   "lhist",
      "str",    "ksym", "usym", "kstack", "ustack", "printf",   "print",  "clear",
      "delete", "exit", "zero", "ntop",   "time",   "strftime", "sizeof", "reg"};
  return names;
}

void SemanticAnalyser::error(ast::Location loc, const std::string& msg, const std::string& hint) {
  fail(src_, loc, msg, hint);
}

void SemanticAnalyser::analyse(const ConcreteProbe& probe) {
  probe_ = &probe;
  vars_.clear();
  loop_depth_ = 0;
  if (probe.probe->predicate) {
    expr(probe.probe->predicate);
    require_int(probe.probe->predicate, "the predicate");
  }
  for (ast::Stmt* s : probe.probe->block) stmt(s);
}

void SemanticAnalyser::stmt(ast::Stmt* s) {
  switch (s->kind) {
    case NodeKind::kExprStmt: {
      auto* e = static_cast<ast::ExprStmt*>(s)->expr;
      if (e->kind == NodeKind::kCall) return call_statement(static_cast<ast::Call*>(e));
      expr(e);
      return;
    }
    case NodeKind::kAssignMap:
      return assign_map(static_cast<ast::AssignMap*>(s));
    case NodeKind::kAssignVar:
      return assign_var(static_cast<ast::AssignVar*>(s));
    case NodeKind::kIf: {
      auto* i = static_cast<ast::If*>(s);
      expr(i->cond);
      require_int(i->cond, "the if condition");
      for (auto* t : i->then_block) stmt(t);
      for (auto* e : i->else_block) stmt(e);
      return;
    }
    case NodeKind::kWhile: {
      auto* w = static_cast<ast::While*>(s);
      expr(w->cond);
      require_int(w->cond, "the while condition");
      ++loop_depth_;
      loop_body(w->body);
      --loop_depth_;
      return;
    }
    case NodeKind::kUnroll:
      return unroll(static_cast<ast::Unroll*>(s));
    case NodeKind::kJump: {
      // As in bpftrace, unroll() is not a loop for break/continue.
      const char* word = static_cast<ast::Jump*>(s)->is_break ? "break" : "continue";
      if (loop_depth_ == 0) error(s->loc, std::string(word) + " used outside of a while loop");
      return;
    }
    default:
      error(s->loc, "not a statement");
  }
}

// Twice: a variable assigned late in the body is read early in the next
// iteration, and its type must be known by then.
void SemanticAnalyser::loop_body(const std::vector<ast::Stmt*>& body) {
  for (int round = 0; round < 2; ++round) {
    for (auto* b : body) stmt(b);
  }
}

void SemanticAnalyser::unroll(ast::Unroll* u) {
  expr(u->count);
  int64_t n = u->count->kind == NodeKind::kPositional
                  ? static_cast<ast::Positional*>(u->count)->value
                  : require_const(u->count, "unroll()");
  if (n < 1) error(u->count->loc, "unroll() count must be at least 1");
  if (n > 100) error(u->count->loc, "unroll() count must be at most 100");
  u->times = n;
  for (auto* b : u->body) stmt(b);
}

void SemanticAnalyser::assign_var(ast::AssignVar* a) {
  expr(a->expr);
  if (a->expr->type.kind == TypeKind::kNone) return;  // a map not typed yet
  if (a->expr->type.is_aggregation())
    error(a->expr->loc, "aggregations can only be assigned to maps");
  auto it = vars_.find(a->var->name);
  if (it != vars_.end() && !it->second.compatible(a->expr->type)) {
    error(a->loc, "variable " + a->var->name + " was " + ast::type_name(it->second) +
                      ", cannot assign " + ast::type_name(a->expr->type));
  }
  Type t = a->expr->type;
  if (it != vars_.end() && t.is_string()) t = merge_strings(it->second, t);
  vars_[a->var->name] = t;
  a->var->type = t;
}

MapInfo& SemanticAnalyser::declare_map(ast::Map* m) {
  MapInfo* info = info_.find_map(m->name);
  if (!info) {
    MapInfo fresh;
    fresh.name = m->name;
    fresh.id = static_cast<int>(info_.maps.size());
    fresh.first_use = m->loc;
    info_.maps.push_back(fresh);
    info = &info_.maps.back();
  }
  return *info;
}

void SemanticAnalyser::check_keys(ast::Map* m, MapInfo& info) {
  std::vector<Type> keys;
  for (auto* k : m->keys) {
    expr(k);
    if (k->type.is_aggregation() || k->type.kind == TypeKind::kNone) {
      error(k->loc, "invalid map key of type " + ast::type_name(k->type));
    }
    keys.push_back(k->type);
  }
  if (info.key_types.empty() && info.value.kind == TypeKind::kNone) {
    info.key_types = keys;
    return;
  }
  if (keys.size() != info.key_types.size()) {
    error(m->loc, "map " + m->name + " used with " + std::to_string(keys.size()) +
                      " key(s) here but " + std::to_string(info.key_types.size()) + " at " +
                      std::to_string(info.first_use.line) + ":" +
                      std::to_string(info.first_use.col));
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    Type& known = info.key_types[i];
    if (!known.compatible(keys[i])) {
      error(m->keys[i]->loc, "map " + m->name + " key " + std::to_string(i + 1) + " is " +
                                 ast::type_name(known) + ", not " + ast::type_name(keys[i]));
    }
    if (known.is_string()) known = merge_strings(known, keys[i]);
  }
}

void SemanticAnalyser::assign_map(ast::AssignMap* s) {
  MapInfo& info = declare_map(s->map);
  check_keys(s->map, info);
  Type value;
  if (s->expr->kind == NodeKind::kCall &&
      std::set<std::string>{"count", "sum", "min", "max", "avg", "stats", "hist", "lhist"}.count(
          static_cast<ast::Call*>(s->expr)->func)) {
    value = aggregation(static_cast<ast::Call*>(s->expr));
  } else {
    expr(s->expr);
    value = s->expr->type;
    if (value.kind == TypeKind::kNone) return;
  }
  MapInfo& m = *info_.find_map(s->map->name);  // `aggregation` may not add maps, but be safe
  if (m.value.kind != TypeKind::kNone && !m.value.compatible(value)) {
    error(s->loc, "map " + m.name + " holds " + ast::type_name(m.value) + ", cannot assign " +
                      ast::type_name(value));
  }
  if (value.is_string() && m.value.is_string()) value = merge_strings(m.value, value);
  m.value = value;
  s->map->type = value;
  if (value.kind == TypeKind::kLhist) {
    auto* c = static_cast<ast::Call*>(s->expr);
    m.lhist_min = static_cast<ast::Integer*>(c->args[1])->value;
    m.lhist_max = static_cast<ast::Integer*>(c->args[2])->value;
    m.lhist_step = static_cast<ast::Integer*>(c->args[3])->value;
  }
}

Type SemanticAnalyser::aggregation(ast::Call* c) {
  static const std::map<std::string, std::pair<TypeKind, size_t>> kinds = {
      {"count", {TypeKind::kCount, 0}}, {"sum", {TypeKind::kSum, 1}},
      {"min", {TypeKind::kMin, 1}},     {"max", {TypeKind::kMax, 1}},
      {"avg", {TypeKind::kAvg, 1}},     {"stats", {TypeKind::kStats, 1}},
      {"hist", {TypeKind::kHist, 1}},   {"lhist", {TypeKind::kLhist, 4}}};
  auto [kind, nargs] = kinds.at(c->func);
  if (c->args.size() != nargs) {
    error(c->loc, c->func + "() takes " + std::to_string(nargs) + " argument(s), got " +
                      std::to_string(c->args.size()));
  }
  for (auto* a : c->args) expr(a);
  if (nargs > 0) require_int(c->args[0], c->func + "()");
  if (kind == TypeKind::kLhist) {
    int64_t min = require_const(c->args[1], "lhist() min");
    int64_t max = require_const(c->args[2], "lhist() max");
    int64_t step = require_const(c->args[3], "lhist() step");
    if (step <= 0 || max <= min) error(c->loc, "lhist() needs min < max and step > 0");
    if ((max - min) / step > 1000) error(c->loc, "lhist() has more than 1000 buckets");
  }
  c->type = Type::of(kind, 8);
  return c->type;
}

void SemanticAnalyser::require_int(ast::Expr* e, const std::string& what) {
  if (e->type.kind != TypeKind::kInt && e->type.kind != TypeKind::kNone) {
    error(e->loc, what + " expects an integer, got " + ast::type_name(e->type));
  }
}

int64_t SemanticAnalyser::require_const(ast::Expr* e, const std::string& what) {
  if (e->kind != NodeKind::kInteger) error(e->loc, what + " must be an integer literal");
  return static_cast<ast::Integer*>(e)->value;
}

void SemanticAnalyser::expr(ast::Expr* e) {
  switch (e->kind) {
    case NodeKind::kInteger:
      e->type = Type::integer();
      return;
    case NodeKind::kString:
      e->type = Type::string(static_cast<uint32_t>(static_cast<ast::String*>(e)->value.size() + 1));
      return;
    case NodeKind::kBuiltin:
      return builtin(static_cast<ast::Builtin*>(e));
    case NodeKind::kVariable:
      return variable(static_cast<ast::Variable*>(e));
    case NodeKind::kPositional:
      return positional(static_cast<ast::Positional*>(e));
    case NodeKind::kIncDec:
      return inc_dec(static_cast<ast::IncDec*>(e));
    case NodeKind::kCast:
      return cast(static_cast<ast::Cast*>(e));
    case NodeKind::kSizeof:
      return size_of(static_cast<ast::Sizeof*>(e));
    case NodeKind::kMap:
      return map_read(static_cast<ast::Map*>(e));
    case NodeKind::kCall:
      return call(static_cast<ast::Call*>(e));
    case NodeKind::kBinop:
      return binop(static_cast<ast::Binop*>(e));
    case NodeKind::kUnop: {
      auto* u = static_cast<ast::Unop*>(e);
      expr(u->operand);
      require_int(u->operand, std::string("operator ") + ast::op_name(u->op));
      e->type = Type::integer();
      return;
    }
    case NodeKind::kTernary: {
      auto* t = static_cast<ast::Ternary*>(e);
      expr(t->cond);
      require_int(t->cond, "the ?: condition");
      expr(t->then_expr);
      expr(t->else_expr);
      if (t->then_expr->type.kind != t->else_expr->type.kind) {
        error(t->loc, "?: branches have different types: " + ast::type_name(t->then_expr->type) +
                          " and " + ast::type_name(t->else_expr->type));
      }
      e->type = t->then_expr->type.is_string()
                    ? merge_strings(t->then_expr->type, t->else_expr->type)
                    : t->then_expr->type;
      return;
    }
    case NodeKind::kField:
      return field(static_cast<ast::Field*>(e));
    default:
      error(e->loc, "not an expression");
  }
}

void SemanticAnalyser::variable(ast::Variable* v) {
  auto it = vars_.find(v->name);
  if (it == vars_.end()) {
    std::vector<std::string> known;
    for (const auto& [name, t] : vars_) known.push_back(name);
    error(v->loc, "undefined variable " + v->name, suggest(v->name, known));
  }
  v->type = it->second;
}

// $N as a number (0 when not given, as in bpftrace); str($N) is its text.
void SemanticAnalyser::positional(ast::Positional* p) {
  const auto& params = info_.params;
  if (p->index == 0) {
    p->value = static_cast<int64_t>(params.size());
    p->type = Type::integer();
    return;
  }
  size_t i = static_cast<size_t>(p->index - 1);
  std::string name = "$" + std::to_string(p->index);
  if (p->as_string) {
    p->text = i < params.size() ? params[i] : "";
    p->type = Type::string(static_cast<uint32_t>(p->text.size() + 1));
    return;
  }
  p->value = 0;
  if (i < params.size() && !parse_int(params[i], p->value)) {
    error(p->loc, name + " is used as a number but the argument is \"" + params[i] + "\"",
          "use str(" + name + ") for its text");
  }
  p->type = Type::integer();
}

void SemanticAnalyser::inc_dec(ast::IncDec* d) {
  const char* op = d->increment ? "++" : "--";
  if (d->target->kind == NodeKind::kVariable) {
    variable(static_cast<ast::Variable*>(d->target));
    require_int(d->target, std::string("operator ") + op);
    d->type = d->target->type;
    return;
  }
  auto* m = static_cast<ast::Map*>(d->target);
  MapInfo& info = declare_map(m);
  check_keys(m, info);
  MapInfo& map = *info_.find_map(m->name);
  if (map.value.kind == TypeKind::kNone) map.value = Type::integer();
  if (!map.value.is_int()) {
    error(d->loc,
          std::string("operator ") + op + " needs an integer map, but " + m->name + " holds " +
              ast::type_name(map.value),
          map.value.is_aggregation() ? "aggregations update themselves: @x = count()" : "");
  }
  m->type = map.value;
  d->type = map.value;
}

void SemanticAnalyser::cast(ast::Cast* c) {
  expr(c->operand);
  require_int(c->operand, "(" + c->type_name + ")");
  uint32_t bytes = 8;
  bool is_signed = true;
  int_type(c->type_name, bytes, is_signed);
  c->type = Type::integer(is_signed, bytes);
}

void SemanticAnalyser::size_of(ast::Sizeof* s) {
  s->type = Type::integer(false);
  if (!s->operand) {
    uint32_t bytes = 8;
    bool is_signed = false;
    int_type(s->type_name, bytes, is_signed);
    s->value = bytes;
    return;
  }
  allow_bytes_ = true;
  expr(s->operand);
  allow_bytes_ = false;
  const Type& t = s->operand->type;
  s->value = t.is_int() || t.is_string() || t.kind == TypeKind::kBytes ? t.size : value_size_of(t);
}

void SemanticAnalyser::builtin(ast::Builtin* b) {
  const std::string& n = b->name;
  ProbeType t = probe_->spec.type;
  if (n == "pid" || n == "tid" || n == "uid" || n == "gid" || n == "cpu" || n == "nsecs" ||
      n == "elapsed" || n == "cgroup" || n == "cpid") {
    b->type = Type::integer(false);
  } else if (n == "comm") {
    b->type = Type::string(kCommSize);
  } else if (n == "kstack" || n == "ustack") {
    b->type = Type::of(n == "kstack" ? TypeKind::kKstack : TypeKind::kUstack, 8);
    info_.stack_map(n == "ustack", b->type.stack_frames);
  } else if (n == "probe" || n == "func") {
    if (n == "func" && !is_user_probe(t))
      error(b->loc, "func is only valid in uprobe/uretprobe/usdt probes");
    const std::string& text = n == "probe" ? probe_->spec.name() : probe_->spec.func;
    b->type = Type::string(std::max<uint32_t>(kStrSize, static_cast<uint32_t>(text.size() + 1)));
  } else if (n == "retval") {
    if (t != ProbeType::kUretprobe) {
      error(b->loc, "retval is only valid in uretprobe probes",
            t == ProbeType::kTracepoint ? "syscall exit tracepoints have args.ret" : "");
    }
    b->type = Type::integer();
  } else if (n.size() == 4 && n.rfind("arg", 0) == 0 &&
             std::isdigit(static_cast<unsigned char>(n[3]))) {
    if (t == ProbeType::kUsdt) {
      size_t count = parse_usdt_args(probe_->spec.usdt_args).size();
      if (static_cast<size_t>(n[3] - '0') >= count)
        error(b->loc, probe_->spec.name() + " has " + std::to_string(count) + " argument" +
                          (count == 1 ? "" : "s") + "; " + n + " does not exist");
    } else if (t != ProbeType::kUprobe && t != ProbeType::kRawTracepoint) {
      error(b->loc, n + " is only valid in uprobe, usdt and rawtracepoint probes",
            t == ProbeType::kTracepoint ? "tracepoints name their arguments: args.NAME" : "");
    }
    if (n[3] - '0' > 5 && t == ProbeType::kUprobe) error(b->loc, "uprobes have arg0..arg5");
    b->type = Type::integer();
  } else if (n == "args") {
    error(b->loc, "args must be followed by a field: args.NAME");
  } else {
    error(b->loc, "unknown identifier '" + n + "'", suggest(n, builtin_names()));
  }
}

void SemanticAnalyser::field(ast::Field* f) {
  if (f->base->kind != NodeKind::kBuiltin || static_cast<ast::Builtin*>(f->base)->name != "args") {
    error(f->loc, "only args.NAME has fields");
  }
  if (probe_->spec.type != ProbeType::kTracepoint) {
    error(f->base->loc, "args is only valid in tracepoint probes",
          probe_->spec.type == ProbeType::kUprobe ? "uprobes use arg0..arg5" : "");
  }
  const TracepointField* tf = probe_->spec.format.find(f->field);
  if (!tf) {
    error(f->loc, "tracepoint " + probe_->spec.name() + " has no field '" + f->field + "'",
          suggest(f->field, probe_->spec.format.field_names()));
  }
  if (tf->data_loc) {
    f->type = Type::string(kStrSize);
  } else if (tf->is_char_array() && !allow_bytes_) {
    f->type = Type::string(tf->array_len);
  } else if (tf->array_len > 0 && allow_bytes_) {
    f->type = Type::of(TypeKind::kBytes, tf->size);
  } else if (tf->array_len > 0) {
    error(f->loc,
          "field '" + f->field + "' of type " + tf->type + "[" + std::to_string(tf->array_len) +
              "] is an array; only ntop() and sizeof() take it",
          "ntop(args." + f->field + ") prints an IPv4/IPv6 address");
  } else if (tf->size > 8) {
    error(f->loc, "field '" + f->field + "' of type " + tf->type + " is not supported");
  } else {
    bool sized = tf->size == 1 || tf->size == 2 || tf->size == 4;
    f->type = Type::integer(tf->is_signed, sized ? tf->size : 8);
  }
}

void SemanticAnalyser::map_read(ast::Map* m) {
  MapInfo& info = declare_map(m);
  check_keys(m, info);
  Type v = info_.find_map(m->name)->value;
  if (strict_ && v.kind == TypeKind::kNone)
    error(m->loc, "map " + m->name + " is used but never assigned");
  switch (v.kind) {
    case TypeKind::kCount:
    case TypeKind::kSum:
    case TypeKind::kMin:
    case TypeKind::kMax:
      m->type = Type::integer();
      return;
    case TypeKind::kAvg:
    case TypeKind::kStats:
    case TypeKind::kHist:
    case TypeKind::kLhist:
      error(m->loc, "cannot read " + ast::type_name(v) + " map " + m->name + " in an expression");
    default:
      m->type = v;
  }
}

void SemanticAnalyser::binop(ast::Binop* b) {
  expr(b->lhs);
  expr(b->rhs);
  Type l = b->lhs->type, r = b->rhs->type;
  if (l.kind == TypeKind::kNone || r.kind == TypeKind::kNone) {
    b->type = Type::integer();
    return;
  }
  if (l.is_string() || r.is_string()) {
    if (!(l.is_string() && r.is_string())) {
      error(b->loc, std::string("cannot compare ") + ast::type_name(l) + " with " +
                        ast::type_name(r) + " using " + ast::op_name(b->op));
    }
    if (b->op != ast::Op::kEq && b->op != ast::Op::kNe) {
      error(b->loc, std::string("strings only support == and !=, not ") + ast::op_name(b->op));
    }
  } else {
    require_int(b->lhs, std::string("operator ") + ast::op_name(b->op));
    require_int(b->rhs, std::string("operator ") + ast::op_name(b->op));
  }
  b->type = Type::integer(l.is_signed || r.is_signed);
}

int pt_regs_offset(const std::string& name) {
  static const std::map<std::string, int> offsets = {
      {"r15", 0},     {"r14", 8},  {"r13", 16}, {"r12", 24},      {"bp", 32},  {"bx", 40},
      {"r11", 48},    {"r10", 56}, {"r9", 64},  {"r8", 72},       {"ax", 80},  {"cx", 88},
      {"dx", 96},     {"si", 104}, {"di", 112}, {"orig_ax", 120}, {"ip", 128}, {"cs", 136},
      {"flags", 144}, {"sp", 152}, {"ss", 160}};
  auto it = offsets.find(name);
  return it == offsets.end() ? -1 : it->second;
}

void analyse_program(std::string_view source, const std::vector<ConcreteProbe>& probes,
                     ProgramInfo& info) {
  for (int round = 0; round < 2; ++round) {
    SemanticAnalyser analyser(source, info);
    analyser.set_strict(round == 1);
    for (const auto& p : probes) analyser.analyse(p);
  }
  for (const auto& m : info.maps) {
    if (m.value.kind == TypeKind::kNone) {
      fail(source, m.first_use, "map " + m.name + " is used but never assigned");
    }
  }
}

}  // namespace ksight::trace
