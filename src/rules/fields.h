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

enum class FieldType { kString, kInt, kBool, kStringList };
std::string_view field_type_name(FieldType type);

// What goes in brackets or after the last dot.
enum class FieldArgKind {
  kNone,
  kIndex,        // proc.aname[N]; optional for proc.aname (then: any ancestor)
  kIndexOrName,  // evt.arg[N] or evt.arg.NAME
};

struct FieldArg {
  int index = -1;    // -1 = none
  std::string name;  // evt.arg.NAME
};

// Per-event scratch space: lazily built strings (cmdline, socket names) live
// here and keep their capacity across events, so evaluating a condition does
// not allocate once warmed up.
class EvalContext {
 public:
  void reset(const SecurityEvent& event);
  const SecurityEvent& event() const { return *event_; }

  std::string_view cmdline();    // comm + args[1..] when proc.cmdline is empty
  std::string_view args_text();  // args[1..] joined by spaces
  std::string_view fd_name();    // fd.name, or "sip:sport->dip:dport" for sockets
  std::string_view evt_args();   // "name=value name=value"
  std::string& scratch() { return scratch_; }
  // For a successful open: kOpenRead | kOpenWrite from the "flags" argument,
  // computed once per event (several rules ask).
  static constexpr uint8_t kOpenRead = 1, kOpenWrite = 2;
  uint8_t open_access();

 private:
  const SecurityEvent* event_ = nullptr;
  std::string cmdline_, args_, fd_name_, evt_args_, scratch_;
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
std::span<const FieldInfo> container_fields();  // container.*, k8s.*

}  // namespace ksight::rules
