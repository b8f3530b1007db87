// evt.*: the event itself.
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

const FieldInfo kEvtFields[] = {
    {"evt.type", FieldType::kString, FieldArgKind::kNone,
     "Syscall name: execve, openat, connect, ... (`procexit` for process exit).",
     [](EvalContext& c, const FieldArg&, FieldValue& o) {
       return set_str(o, event_type_name(c.event().type));
     }},
    {"evt.res", FieldType::kInt, FieldArgKind::kNone,
     "Syscall return value: >= 0 on success, the negative errno on failure.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_num(o, c.event().res); }},
    {"evt.failed", FieldType::kBool, FieldArgKind::kNone, "true when evt.res is negative.",
     [](EvalContext& c, const FieldArg&, FieldValue& o) { return set_num(o, c.event().res < 0); }},
    {"evt.dir", FieldType::kString, FieldArgKind::kNone,
     "Always `<`: ksight reports syscalls at exit, with their result.",
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
};

}  // namespace

std::span<const FieldInfo> evt_fields() {
  return kEvtFields;
}

}  // namespace ksight::rules
