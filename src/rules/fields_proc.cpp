// proc.*: the calling process and its ancestry.
#include "rules/field_helpers.h"

namespace ksight::rules {

namespace {

using detail::set_num;
using detail::set_str;

const ProcessInfo& proc(EvalContext& c) {
  return c.event().proc;
}

std::string_view basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// proc.aname[0] is the process itself, [1] its parent, ...; without an
// index the field is the list of all ancestors (so `=` matches any).
bool ancestor_name(EvalContext& c, const FieldArg& arg, FieldValue& o) {
  const auto& p = proc(c);
  if (arg.index < 0) {
    o.list = p.ancestors;
    return !p.ancestors.empty();
  }
  if (arg.index == 0) return set_str(o, p.comm);
  if (static_cast<size_t>(arg.index) > p.ancestors.size()) return false;
  return set_str(o, p.ancestors[arg.index - 1]);
}

// proc.aexepath[N]: [0] the process, [1] the parent, ...; without an index
// the list of ancestors' paths.
bool ancestor_exe(EvalContext& c, const FieldArg& arg, FieldValue& o) {
  const auto& p = proc(c);
  if (arg.index < 0) {
    o.list = p.ancestor_exes;
    return !p.ancestor_exes.empty();
  }
  if (arg.index == 0) return set_str(o, p.exe);
  if (static_cast<size_t>(arg.index) <= p.ancestor_exes.size()) {
    return set_str(o, p.ancestor_exes[arg.index - 1]);
  }
  return arg.index == 1 && set_str(o, p.parent_exe);
}

// Present but empty for a process without arguments (Falco's
// `proc.args = ""`, pkexec run with argc 0): known for every exec, and for
// other events once the argv is known.
bool args(EvalContext& c, FieldValue& o) {
  EventType t = c.event().type;
  o.str = c.args_text();
  return !proc(c).args.empty() || t == EventType::kExecve || t == EventType::kExecveat;
}

bool duration(EvalContext& c, FieldValue& o) {
  uint64_t start = proc(c).start_ts_ns, now = c.event().ts_ns;
  return start != 0 && start <= now && set_num(o, static_cast<int64_t>(now - start));
}

const FieldInfo kProcFields[] = {
    {"proc.name", FieldType::kString, FieldArgKind::kNone,
     "Process name (the task comm, up to 15 characters).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, proc(c).comm); }},
    {"proc.exe", FieldType::kString, FieldArgKind::kNone,
     "First command-line argument (argv[0]) as the process was started.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       const auto& p = proc(c);
       return set_str(o, p.args.empty() ? std::string_view(p.exe) : std::string_view(p.args[0]));
     }},
    {"proc.exepath", FieldType::kString, FieldArgKind::kNone,
     "Resolved path of the executable (`memfd:...` for fileless executables).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, proc(c).exe); }},
    {"proc.cmdline", FieldType::kString, FieldArgKind::kNone,
     "proc.name followed by the arguments (argv[1..]), space separated.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, c.cmdline()); }},
    {"proc.args", FieldType::kString, FieldArgKind::kNone,
     "Arguments without argv[0], space separated; empty (`proc.args = ''`) when there are "
     "none.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return args(c, o); }},
    {"proc.pid", FieldType::kInt, FieldArgKind::kNone, "Process id (thread-group id).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_num(o, proc(c).pid); }},
    {"proc.ppid", FieldType::kInt, FieldArgKind::kNone, "Parent process id.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_num(o, proc(c).ppid); }},
    {"proc.pname", FieldType::kString, FieldArgKind::kNone, "Parent process name.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       const auto& a = proc(c).ancestors;
       return !a.empty() && set_str(o, a[0]);
     }},
    {"proc.pexe", FieldType::kString, FieldArgKind::kNone, "Parent's executable path.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, proc(c).parent_exe); }},
    {"proc.pexepath", FieldType::kString, FieldArgKind::kNone,
     "Parent's executable path (same as proc.pexe).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, proc(c).parent_exe); }},
    {"proc.pcmdline", FieldType::kString, FieldArgKind::kNone, "Parent's command line.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_str(o, proc(c).parent_cmdline);
     }},
    {"proc.aname", FieldType::kStringList, FieldArgKind::kIndex,
     "Ancestor names: [0] the process, [1] the parent, [2] the grandparent... Without an "
     "index, the list of all ancestors (`proc.aname = sshd` matches any of them).",
     ancestor_name},
    {"proc.aexepath", FieldType::kStringList, FieldArgKind::kIndex,
     "Ancestor executable paths, indexed like proc.aname ([1] is proc.pexepath); without an "
     "index, the list of all that are known.",
     ancestor_exe},
    {"proc.duration", FieldType::kInt, FieldArgKind::kNone,
     "Nanoseconds since the process started (its exec when ksight saw it, else its start in "
     "/proc); absent when unknown.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return duration(c, o); }},
    {"proc.exe_basename", FieldType::kString, FieldArgKind::kNone,
     "File name part of proc.exepath (not truncated like proc.name).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_str(o, basename_of(proc(c).exe));
     }},
    {"proc.tty", FieldType::kInt, FieldArgKind::kNone,
     "Controlling terminal (tty_nr); 0 when the process has none.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_num(o, proc(c).tty); }},
    {"proc.cwd", FieldType::kString, FieldArgKind::kNone, "Current working directory.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, proc(c).cwd); }},
    {"proc.is_exe_from_memfd", FieldType::kBool, FieldArgKind::kNone,
     "true when the executable is a memfd (fileless execution).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_num(o, proc(c).is_exe_from_memfd);
     }},
};

}  // namespace

std::span<const FieldInfo> proc_fields() {
  return kProcFields;
}

}  // namespace ksight::rules
