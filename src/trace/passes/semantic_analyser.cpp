#include "trace/passes/semantic_analyser.h"

#include <algorithm>
#include <set>

#include "trace/diagnostics.h"
#include "trace/printf_format.h"
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

bool printable_as_string(TypeKind k) {
  return k == TypeKind::kString || k == TypeKind::kKstack || k == TypeKind::kUstack ||
         k == TypeKind::kKsym || k == TypeKind::kUsym;
}

Type merge_strings(Type a, Type b) {
  a.size = std::max(a.size, b.size);
  return a;
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
      "count", "sum",    "min",    "max",    "avg",   "stats", "hist",   "lhist", "str", "ksym",
      "usym",  "kstack", "ustack", "printf", "print", "clear", "delete", "exit",  "zero"};
  return names;
}

void SemanticAnalyser::error(ast::Location loc, const std::string& msg, const std::string& hint) {
  fail(src_, loc, msg, hint);
}

void SemanticAnalyser::analyse(const ConcreteProbe& probe) {
  probe_ = &probe;
  vars_.clear();
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
    case NodeKind::kAssignVar: {
      auto* a = static_cast<ast::AssignVar*>(s);
      expr(a->expr);
      if (a->expr->type.kind == TypeKind::kNone) return;  // a map not typed yet
      if (a->expr->type.is_aggregation())
        error(a->expr->loc, "aggregations can only be assigned to maps");
      auto it = vars_.find(a->var->name);
      if (it != vars_.end() && it->second.kind != a->expr->type.kind) {
        error(a->loc, "variable " + a->var->name + " was " + ast::type_name(it->second) +
                          ", cannot assign " + ast::type_name(a->expr->type));
      }
      Type t = a->expr->type;
      if (it != vars_.end() && t.is_string()) t = merge_strings(it->second, t);
      vars_[a->var->name] = t;
      a->var->type = t;
      return;
    }
    case NodeKind::kIf: {
      auto* i = static_cast<ast::If*>(s);
      expr(i->cond);
      require_int(i->cond, "the if condition");
      for (auto* t : i->then_block) stmt(t);
      for (auto* e : i->else_block) stmt(e);
      return;
    }
    default:
      error(s->loc, "not a statement");
  }
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
    if (known.kind != keys[i].kind) {
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
  if (m.value.kind != TypeKind::kNone && m.value.kind != value.kind) {
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
    case NodeKind::kVariable: {
      auto* v = static_cast<ast::Variable*>(e);
      auto it = vars_.find(v->name);
      if (it == vars_.end()) {
        std::vector<std::string> known;
        for (const auto& [name, t] : vars_) known.push_back(name);
        error(v->loc, "undefined variable " + v->name, suggest(v->name, known));
      }
      e->type = it->second;
      return;
    }
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
    (n == "kstack" ? info_.uses_kstack : info_.uses_ustack) = true;
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
  } else if (tf->is_char_array()) {
    f->type = Type::string(tf->array_len);
  } else if (tf->array_len > 0 || tf->size > 8) {
    error(f->loc, "field '" + f->field + "' of type " + tf->type + " is not supported");
  } else {
    f->type = Type::integer(tf->is_signed);
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

void SemanticAnalyser::call(ast::Call* c) {
  const std::string& f = c->func;
  for (auto* a : c->args) expr(a);
  if (f == "str") {
    if (c->args.empty() || c->args.size() > 2) error(c->loc, "str() takes 1 or 2 arguments");
    if (c->args[0]->type.is_string()) {
      c->type = c->args[0]->type;
      return;
    }
    require_int(c->args[0], "str()");
    uint32_t size = kStrSize;
    if (c->args.size() == 2) {
      int64_t n = require_const(c->args[1], "str() length");
      if (n <= 0 || n > 256) error(c->args[1]->loc, "str() length must be 1..256");
      size = static_cast<uint32_t>(n) + 1;
    }
    c->type = Type::string(size);
  } else if (f == "reg") {
    ProbeType t = probe_->spec.type;
    if (t != ProbeType::kUprobe && t != ProbeType::kUretprobe && t != ProbeType::kUsdt &&
        t != ProbeType::kProfile) {
      error(c->loc, "reg() is only valid in uprobe, uretprobe, usdt and profile probes");
    }
    if (c->args.size() != 1 || c->args[0]->kind != NodeKind::kString) {
      error(c->loc, "reg() takes a register name, e.g. reg(\"ip\")");
    }
    const std::string& name = static_cast<ast::String*>(c->args[0])->value;
    if (pt_regs_offset(name) < 0) error(c->args[0]->loc, "unknown register '" + name + "'");
    c->type = Type::integer(false);
  } else if (f == "ksym" || f == "usym") {
    if (c->args.size() != 1) error(c->loc, f + "() takes 1 argument");
    require_int(c->args[0], f + "()");
    c->type = Type::of(f == "ksym" ? TypeKind::kKsym : TypeKind::kUsym, f == "ksym" ? 8 : 16);
    if (f == "usym") info_.uses_usym = true;
  } else if (f == "kstack" || f == "ustack") {
    if (!c->args.empty()) error(c->loc, f + "() arguments are not supported");
    c->type = Type::of(f == "kstack" ? TypeKind::kKstack : TypeKind::kUstack, 8);
    (f == "kstack" ? info_.uses_kstack : info_.uses_ustack) = true;
  } else if (std::set<std::string>{"count", "sum", "min", "max", "avg", "stats", "hist", "lhist"}
                 .count(f)) {
    error(c->loc, f + "() must be assigned to a map, e.g. @x = " + f + "(...)");
  } else if (std::set<std::string>{"printf", "print", "clear", "delete", "exit", "zero"}.count(f)) {
    error(c->loc, f + "() is a statement and has no value");
  } else {
    error(c->loc, "unknown function '" + f + "'", suggest(f, function_names()));
  }
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

void SemanticAnalyser::call_statement(ast::Call* c) {
  const std::string& f = c->func;
  if (f == "printf") return printf_call(c);
  if (f == "exit") {
    if (!c->args.empty()) error(c->loc, "exit() takes no arguments");
    return;
  }
  if (f == "print" || f == "clear" || f == "zero" || f == "delete") {
    if (c->args.size() != 1 || c->args[0]->kind != NodeKind::kMap) {
      error(c->loc, f + "() takes one map argument, e.g. " + f + "(@x)");
    }
    auto* m = static_cast<ast::Map*>(c->args[0]);
    if (f == "delete") {
      MapInfo& info = declare_map(m);
      check_keys(m, info);
      return;
    }
    if (!m->keys.empty()) error(m->loc, f + "() takes the whole map, without keys");
    if (!info_.find_map(m->name)) error(m->loc, "unknown map " + m->name);
    return;
  }
  call(c);
}

void SemanticAnalyser::printf_call(ast::Call* c) {
  if (c->args.empty() || c->args[0]->kind != NodeKind::kString) {
    error(c->loc, "printf() needs a format string literal as its first argument");
  }
  std::string fmt = static_cast<ast::String*>(c->args[0])->value;
  std::vector<FormatPiece> pieces;
  try {
    pieces = parse_format(fmt);
  } catch (const std::invalid_argument& e) {
    error(c->args[0]->loc, std::string("printf: ") + e.what());
  }
  std::vector<const FormatPiece*> convs;
  for (const auto& p : pieces) {
    if (p.has_conversion) convs.push_back(&p);
  }
  if (convs.size() != c->args.size() - 1) {
    error(c->loc, "printf: the format has " + std::to_string(convs.size()) + " conversion(s) but " +
                      std::to_string(c->args.size() - 1) + " argument(s) were given");
  }
  FormatInfo info;
  info.format = fmt;
  for (size_t i = 1; i < c->args.size(); ++i) {
    ast::Expr* a = c->args[i];
    expr(a);
    bool wants_string = conversion_takes_string(convs[i - 1]->conversion);
    if (wants_string && !printable_as_string(a->type.kind)) {
      error(a->loc,
            "printf: " + convs[i - 1]->spec + "s expects a string, got " + ast::type_name(a->type),
            a->type.is_int() ? "use str() to read a string from a pointer" : "");
    }
    if (!wants_string && !a->type.is_int() && a->type.kind != TypeKind::kNone) {
      error(a->loc, "printf: %" + std::string(1, convs[i - 1]->conversion) +
                        " expects an integer, got " + ast::type_name(a->type));
    }
    info.args.push_back({a->type, info.record_size});
    info.record_size += value_size_of(a->type);
  }
  // The format id is the printf call's index; re-analysis updates it in place.
  c->type = Type::integer();
  for (size_t i = 0; i < info_.formats.size(); ++i) {
    if (info_.formats[i].format == fmt && info_.formats[i].args.size() == info.args.size() &&
        std::equal(info.args.begin(), info.args.end(), info_.formats[i].args.begin(),
                   [](const FormatArg& a, const FormatArg& b) { return a.type == b.type; })) {
      c->format_id = static_cast<int>(i);
      return;
    }
  }
  info_.formats.push_back(std::move(info));
  c->format_id = static_cast<int>(info_.formats.size() - 1);
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
