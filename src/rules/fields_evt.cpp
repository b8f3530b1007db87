// evt.*: the event itself.
#include <cstring>
#include <ctime>

#include "rules/field_helpers.h"

namespace ksight::rules {

namespace {

using detail::set_num;
using detail::set_str;

bool time_text(EvalContext& ctx, FieldValue& out) {
  uint64_t ts = ctx.event().ts_ns;
  time_t secs = static_cast<time_t>(ts / 1'000'000'000ULL);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%09llu", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned long long>(ts % 1'000'000'000ULL));
  ctx.scratch() = buf;
  return set_str(out, ctx.scratch());
}

bool event_arg(EvalContext& ctx, const FieldArg& arg, FieldValue& out) {
  const auto& args = ctx.event().args;
  if (arg.index >= 0) {
    if (static_cast<size_t>(arg.index) >= args.size()) return false;
    return set_str(out, args[arg.index].second);
  }
  const std::string* value = ctx.event().arg(arg.name);
  return value && set_str(out, *value);
}

// Falco's text form of a result: SUCCESS, or the errno name (ENOENT).
bool result_text(EvalContext& ctx, FieldValue& out) {
  int64_t res = ctx.event().res;
  if (res >= 0) return set_str(out, "SUCCESS");
  const char* name = res >= -4095 ? strerrorname_np(static_cast<int>(-res)) : nullptr;
  if (name) return set_str(out, name);
  ctx.scratch() = std::to_string(res);
  return set_str(out, ctx.scratch());
}

const FieldInfo kEvtResText = {
    "evt.res", FieldType::kString, FieldArgKind::kNone, "SUCCESS or the errno name.",
    [](EvalContext& c, const FieldArg&, FieldValue& o) { return result_text(c, o); }};

const FieldInfo kEvtFields[] = {
    {"evt.type", FieldType::kString, FieldArgKind::kNone,
     "Syscall name: execve, openat, connect, ... (`procexit` for process exit).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_str(o, event_type_name(c.event().type));
     }},
    {"evt.num", FieldType::kInt, FieldArgKind::kNone,
     "Sequence number of the event in this engine, from 1 (Falco's `never_true` macro is "
     "`evt.num=0`).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_num(o, static_cast<int64_t>(c.number()));
     }},
    {"evt.res", FieldType::kInt, FieldArgKind::kNone,
     "Syscall return value: >= 0 on success, the negative errno on failure. Compared with a "
     "word it takes Falco's text form, `SUCCESS` or the errno name (`evt.res = ENOENT`, "
     "`evt.res startswith E`).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_num(o, c.event().res); }},
    {"evt.rawres", FieldType::kInt, FieldArgKind::kNone,
     "Syscall return value as a number (what evt.res is in numeric comparisons).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_num(o, c.event().res); }},
    {"evt.failed", FieldType::kBool, FieldArgKind::kNone, "true when evt.res is negative.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_num(o, c.event().res < 0); }},
    {"evt.dir", FieldType::kString, FieldArgKind::kNone,
     "`<` in outputs. One ksight event is a whole syscall: the arguments Falco reads at enter "
     "(`>`) and the result it reads at exit (`<`), so both `evt.dir = <` and `evt.dir = >` "
     "match, once per syscall.",
     [](EvalContext&, const FieldArg&, FieldValue& o) { return set_str(o, "<"); }},
    {"evt.time", FieldType::kString, FieldArgKind::kNone,
     "Event time of day, UTC, with nanoseconds (HH:MM:SS.nnnnnnnnn).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return time_text(c, o); }},
    {"evt.rawtime", FieldType::kInt, FieldArgKind::kNone,
     "Event time in nanoseconds since the epoch.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_num(o, static_cast<int64_t>(c.event().ts_ns));
     }},
    {"evt.args", FieldType::kString, FieldArgKind::kNone,
     "All syscall arguments as `name=value` pairs separated by spaces.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, c.evt_args()); }},
    {"evt.arg", FieldType::kString, FieldArgKind::kIndexOrName,
     "One syscall argument by name (`evt.arg.flags`) or position (`evt.arg[0]`). Flags are "
     "symbolic and joined by `|` (`O_WRONLY|O_CREAT`).",
     event_arg, true},
    {"evt.is_open_read", FieldType::kBool, FieldArgKind::kNone,
     "true for a successful open/openat/openat2 with O_RDONLY or O_RDWR.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_num(o, (c.open_access() & EvalContext::kOpenRead) != 0);
     }},
    {"evt.is_open_write", FieldType::kBool, FieldArgKind::kNone,
     "true for a successful open/openat/openat2 with O_WRONLY, O_RDWR, O_CREAT or O_TRUNC.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_num(o, (c.open_access() & EvalContext::kOpenWrite) != 0);
     }},
    {"evt.is_open_exec", FieldType::kBool, FieldArgKind::kNone,
     "true for a successful open that creates a file (O_CREAT) with an execute bit in its "
     "mode.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_num(o, (c.open_access() & EvalContext::kOpenExec) != 0);
     }},
    {"evt.hostname", FieldType::kString, FieldArgKind::kNone,
     "Name of the host the event happened on (the alert's hostname).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_str(o, c.hostname()); }},
};

}  // namespace

std::span<const FieldInfo> evt_fields() {
  return kEvtFields;
}

const FieldInfo& evt_res_text_field() {
  return kEvtResText;
}

}  // namespace ksight::rules
