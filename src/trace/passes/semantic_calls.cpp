// The semantic pass over function calls: argument counts and types, and
// what each call records in ProgramInfo (printf formats, print() and time()
// specs, stack maps).
#include <set>

#include "trace/diagnostics.h"
#include "trace/passes/semantic_analyser.h"
#include "trace/printf_format.h"

namespace ksight::trace {

using ast::NodeKind;
using ast::Type;
using ast::TypeKind;

namespace {

constexpr uint32_t kStrSize = 64;  // bpftrace's default string size (BPFTRACE_STRLEN)

bool printable_as_string(TypeKind k) {
  return k == TypeKind::kString || k == TypeKind::kKstack || k == TypeKind::kUstack ||
         k == TypeKind::kKsym || k == TypeKind::kUsym || k == TypeKind::kInet ||
         k == TypeKind::kStrftime;
}

bool is_aggregation_call(const std::string& f) {
  static const std::set<std::string> names = {"count", "sum",   "min",  "max",
                                              "avg",   "stats", "hist", "lhist"};
  return names.count(f) > 0;
}

// A literal or a positional parameter: the value of a constant argument.
bool constant_value(const ast::Expr* e, int64_t& out) {
  if (e->kind == NodeKind::kInteger) {
    out = static_cast<const ast::Integer*>(e)->value;
    return true;
  }
  if (e->kind == NodeKind::kPositional) {
    out = static_cast<const ast::Positional*>(e)->value;
    return true;
  }
  if (e->kind != NodeKind::kUnop) return false;
  auto* u = static_cast<const ast::Unop*>(e);  // only once the kind says it is one
  if (u->op == ast::Op::kNeg && constant_value(u->operand, out)) {
    out = -out;
    return true;
  }
  return false;
}

}  // namespace

void SemanticAnalyser::call(ast::Call* c) {
  const std::string& f = c->func;
  if (f == "str") return str_call(c);
  if (f == "ntop") return ntop_call(c);
  if (f == "kstack" || f == "ustack") return stack_call(c, f == "ustack");
  for (auto* a : c->args) expr(a);
  if (f == "reg") {
    reg_call(c);
  } else if (f == "ksym" || f == "usym") {
    if (c->args.size() != 1) error(c->loc, f + "() takes 1 argument");
    require_int(c->args[0], f + "()");
    c->type = Type::of(f == "ksym" ? TypeKind::kKsym : TypeKind::kUsym, f == "ksym" ? 8 : 16);
    if (f == "usym") info_.uses_usym = true;
  } else if (f == "strftime") {
    strftime_call(c);
  } else if (is_aggregation_call(f)) {
    error(c->loc, f + "() must be assigned to a map, e.g. @x = " + f + "(...)");
  } else if (std::set<std::string>{"printf", "print", "clear", "delete", "exit", "zero", "time"}
                 .count(f)) {
    error(c->loc, f + "() is a statement and has no value");
  } else {
    error(c->loc, "unknown function '" + f + "'", suggest(f, function_names()));
  }
}

// str(ptr[, n]) reads at most n characters (0..256; bpftrace caps n at its
// 64-byte string size, ksight reads what is asked). str($N) is the text of
// positional parameter N.
void SemanticAnalyser::str_call(ast::Call* c) {
  if (c->args.empty() || c->args.size() > 2) error(c->loc, "str() takes 1 or 2 arguments");
  ast::Expr* arg = c->args[0];
  auto* pos = arg->kind == NodeKind::kPositional ? static_cast<ast::Positional*>(arg) : nullptr;
  if (pos && pos->index > 0) pos->as_string = true;
  for (auto* a : c->args) expr(a);
  int64_t n = -1;
  if (c->args.size() == 2) {
    if (!constant_value(c->args[1], n)) error(c->args[1]->loc, "str() length must be a constant");
    if (n < 0 || n > 256) error(c->args[1]->loc, "str() length must be 0..256");
  }
  if (pos && pos->as_string) {
    if (n >= 0 && static_cast<size_t>(n) < pos->text.size()) pos->text.resize(n);
    pos->type = Type::string(static_cast<uint32_t>(pos->text.size() + 1));
    c->type = pos->type;
    return;
  }
  if (arg->type.is_string()) {
    c->type = arg->type;
    if (n >= 0 && static_cast<uint32_t>(n) + 1 < c->type.size) c->type.size = n + 1;
    return;
  }
  require_int(arg, "str()");
  c->type = Type::string(n >= 0 ? static_cast<uint32_t>(n) + 1 : kStrSize);
}

// ntop([af,] addr): addr is an integer (IPv4 in its low 4 bytes) or a 4- or
// 16-byte array field; without af the family follows from the size.
void SemanticAnalyser::ntop_call(ast::Call* c) {
  if (c->args.empty() || c->args.size() > 2) error(c->loc, "ntop() takes 1 or 2 arguments");
  if (c->args.size() == 2) {
    expr(c->args[0]);
    require_int(c->args[0], "ntop() address family");
  }
  ast::Expr* addr = c->args.back();
  ntop_address(addr);
  if (c->args.size() == 1 && addr->type.kind == TypeKind::kBytes && addr->type.size != 4 &&
      addr->type.size != 16) {
    error(addr->loc, "ntop() takes a 4-byte (IPv4) or 16-byte (IPv6) address, not " +
                         ast::type_name(addr->type));
  }
  c->type = Type::of(TypeKind::kInet, 24);
}

void SemanticAnalyser::ntop_address(ast::Expr* addr) {
  allow_bytes_ = addr->kind == NodeKind::kField;
  expr(addr);
  allow_bytes_ = false;
  if (!addr->type.is_int() && addr->type.kind != TypeKind::kBytes &&
      addr->type.kind != TypeKind::kNone) {
    error(addr->loc, "ntop() expects an integer or an array field (e.g. args.saddr), got " +
                         ast::type_name(addr->type));
  }
}

void SemanticAnalyser::strftime_call(ast::Call* c) {
  if (c->args.size() != 2 || c->args[0]->kind != NodeKind::kString) {
    error(c->loc,
          "strftime() takes a format string literal and nanoseconds, e.g. "
          "strftime(\"%H:%M:%S\", nsecs)");
  }
  require_int(c->args[1], "strftime() time");
  c->type = Type::of(TypeKind::kStrftime, 8);
  c->type.time_format = static_cast<ast::String*>(c->args[0])->value;
}

// kstack, kstack(N), kstack(perf), kstack(bpftrace, N); the same for ustack.
void SemanticAnalyser::stack_call(ast::Call* c, bool user) {
  const std::string what = c->func + "()";
  if (c->args.size() > 2) error(c->loc, what + " takes at most a mode and a frame limit");
  Type t = Type::of(user ? TypeKind::kUstack : TypeKind::kKstack, 8);
  size_t next = 0;
  if (!c->args.empty() && c->args[0]->kind == NodeKind::kBuiltin) {
    const std::string& mode = static_cast<ast::Builtin*>(c->args[0])->name;
    if (mode != "perf" && mode != "bpftrace")
      error(c->args[0]->loc, what + ": unknown stack mode '" + mode + "' (bpftrace or perf)");
    t.stack_mode = mode == "perf" ? ast::StackMode::kPerf : ast::StackMode::kBpftrace;
    next = 1;
  }
  if (next < c->args.size()) {
    expr(c->args[next]);
    int64_t n = 0;
    if (!constant_value(c->args[next], n))
      error(c->args[next]->loc, what + " frame limit must be an integer literal");
    if (n < 1 || n > static_cast<int64_t>(ast::kMaxStackFrames)) {
      error(c->args[next]->loc, what + " frame limit must be 1.." +
                                    std::to_string(ast::kMaxStackFrames) +
                                    " (perf_event_max_stack)");
    }
    t.stack_frames = static_cast<uint32_t>(n);
  } else if (next == 0 && !c->args.empty()) {
    error(c->args[0]->loc, what + " takes a mode (bpftrace, perf) and/or a frame limit");
  }
  info_.stack_map(user, t.stack_frames);
  c->type = t;
}

void SemanticAnalyser::reg_call(ast::Call* c) {
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
}

void SemanticAnalyser::call_statement(ast::Call* c) {
  const std::string& f = c->func;
  if (f == "printf") return printf_call(c);
  if (f == "time") return time_call(c);
  if (f == "print") return print_call(c);
  if (f == "exit") {
    if (!c->args.empty()) error(c->loc, "exit() takes no arguments");
    return;
  }
  if (f == "clear" || f == "zero" || f == "delete") {
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
    declare_map(m);  // its assignment may come in a later probe
    return;
  }
  call(c);
}

// time([format]): user space prints the wall-clock time when it handles
// the record, as bpftrace does.
void SemanticAnalyser::time_call(ast::Call* c) {
  if (c->args.size() > 1 || (c->args.size() == 1 && c->args[0]->kind != NodeKind::kString))
    error(c->loc, "time() takes an optional format string literal, e.g. time(\"%H:%M:%S\\n\")");
  std::string fmt = c->args.empty() ? "%H:%M:%S\n" : static_cast<ast::String*>(c->args[0])->value;
  c->format_id = info_.time_format(fmt);
}

// print(@map[, top[, div]]). Like bpftrace, top and div do not apply to
// stats() maps.
void SemanticAnalyser::print_call(ast::Call* c) {
  if (c->args.empty() || c->args.size() > 3 || c->args[0]->kind != NodeKind::kMap) {
    error(c->loc, "print() takes a map and optionally top and div, e.g. print(@x, 10)");
  }
  auto* m = static_cast<ast::Map*>(c->args[0]);
  if (!m->keys.empty()) error(m->loc, "print() takes the whole map, without keys");
  PrintSpec spec;
  spec.map_id = declare_map(m).id;
  for (size_t i = 1; i < c->args.size(); ++i) {
    expr(c->args[i]);
    int64_t v = 0;
    const char* what = i == 1 ? "print() top" : "print() div";
    if (!constant_value(c->args[i], v))
      error(c->args[i]->loc, std::string(what) + " must be an integer literal");
    if (v < 0) error(c->args[i]->loc, std::string(what) + " must not be negative");
    (i == 1 ? spec.top : spec.div) = static_cast<uint64_t>(v);
  }
  c->format_id = info_.print_spec(spec);
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

}  // namespace ksight::trace
