#pragma once
// The fields a condition or an output may use. Each field family (evt, proc,
// thread, user, group, fd, container, k8s) is a class with a static table of
// its fields: name, type, description and the extractor. The same tables
// resolve names in conditions, render %fields in outputs and generate
// docs/fields.md (`ksight rules fields --markdown`).
//
// Resolution happens once, at compile time: a condition holds a pointer to
// the FieldInfo and its parsed argument, so evaluation never looks a field
// name up.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/event.h"

namespace ksight::rules {

// kIpNet: an address compared against networks (`fd.snet in ("10.0.0.0/8")`).
enum class FieldType { kString, kInt, kBool, kStringList, kIpNet };
std::string_view field_type_name(FieldType type);

// What goes in brackets or after the last dot.
enum class FieldArgKind {
  kNone,
  kIndex,        // proc.aname[N]; optional for proc.aname (then: any ancestor)
  kIndexOrName,  // evt.arg[N] or evt.arg.NAME
  kKey,          // container.mount.dest[/proc]: any text in the brackets
};

struct FieldArg {
  int index = -1;    // -1 = none
  std::string name;  // evt.arg.NAME, or the [key] of a kKey field
};

// Per-event scratch space: lazily built strings (cmdline, socket names) live
// here and keep their capacity across events, so evaluating a condition does
// not allocate once warmed up.
class EvalContext {
 public:
  // `number` is evt.num: the event's sequence number, from 1.
  void reset(const SecurityEvent& event, uint64_t number = 1);
  const SecurityEvent& event() const { return *event_; }
  uint64_t number() const { return number_; }
  // evt.hostname; gethostname() unless set.
  void set_hostname(std::string name) { hostname_ = std::move(name); }
  std::string_view hostname();

  std::string_view cmdline();    // comm + args[1..] when proc.cmdline is empty
  std::string_view args_text();  // args[1..] joined by spaces
  std::string_view fd_name();    // fd.name, or "sip:sport->dip:dport" for sockets
  std::string_view evt_args();   // "name=value name=value"
  std::string& scratch() { return scratch_; }
  // For a successful open: kOpenRead | kOpenWrite from the "flags" argument,
  // computed once per event (several rules ask).
  // kOpenExec: created (O_CREAT) with an execute bit in the mode.
  static constexpr uint8_t kOpenRead = 1, kOpenWrite = 2, kOpenExec = 4;
  uint8_t open_access();

 private:
  const SecurityEvent* event_ = nullptr;
  uint64_t number_ = 1;
  std::string cmdline_, args_, fd_name_, evt_args_, scratch_, hostname_;
  bool have_cmdline_ = false, have_args_ = false, have_fd_name_ = false, have_evt_args_ = false;
  bool have_open_access_ = false;
  uint8_t open_access_ = 0;
};

// One extracted value. Strings point into the event or the EvalContext and
// are valid until the next extraction from the same context.
struct FieldValue {
  std::string_view str;
  int64_t num = 0;
  std::span<const std::string> list;  // kStringList
};

struct FieldInfo {
  std::string_view name;
  FieldType type;
  FieldArgKind arg;
  std::string_view description;
  // Returns false when the value is absent for this event.
  bool (*extract)(EvalContext& ctx, const FieldArg& arg, FieldValue& out);
  // True when an argument is mandatory (evt.arg needs [N] or .NAME).
  bool arg_required = false;
  // False for Falco fields ksight has no data for (fields_unavailable.cpp):
  // they resolve, so Falco rule files load, but never hold a value.
  bool available = true;
};

struct FieldFamily {
  std::string_view name;  // "proc"
  std::string_view description;
  std::span<const FieldInfo> fields;
};

// Every family, in documentation order.
std::span<const FieldFamily> field_families();

struct ResolvedField {
  const FieldInfo* info = nullptr;
  FieldArg arg;
  // Type after the argument: proc.aname[2] is a string, proc.aname a list.
  FieldType type = FieldType::kString;
};

// Resolves "proc.name", "proc.aname[2]", "evt.arg.flags", "evt.arg[0]".
// On failure returns info == nullptr and sets *error.
ResolvedField resolve_field(std::string_view name, std::string* error);

// Extracts and renders the value as text ("<NA>" when absent); used by outputs.
void render_field(EvalContext& ctx, const ResolvedField& field, std::string& out);

// docs/fields.md: every family and field as Markdown.
std::string fields_markdown();

// The per-family tables (defined in fields_<family>.cpp).
std::span<const FieldInfo> evt_fields();
std::span<const FieldInfo> proc_fields();
std::span<const FieldInfo> identity_fields();  // thread.*, user.*, group.*
std::span<const FieldInfo> fd_fields();
std::span<const FieldInfo> container_fields();    // container.*, k8s.*
std::span<const FieldInfo> unavailable_fields();  // Falco fields without data here

// evt.res in Falco's text form (SUCCESS, ENOENT): what `evt.res = ENOENT`
// compares; numeric right-hand sides compare the number.
const FieldInfo& evt_res_text_field();

// `fd.ip` is `fd.cip` or `fd.sip`, ...: Falco fields that match when either
// endpoint does. Returns the two fields, or nullptr when `name` is not one.
const std::pair<std::string_view, std::string_view>* either_field(std::string_view name);

}  // namespace ksight::rules
