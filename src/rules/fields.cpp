#include "rules/fields.h"

#include <unistd.h>

#include <array>
#include <charconv>
#include <climits>

namespace ksight::rules {

std::string_view field_type_name(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kInt:
      return "int";
    case FieldType::kBool:
      return "bool";
    case FieldType::kStringList:
      return "list";
    case FieldType::kIpNet:
      return "ipnet";
  }
  return "?";
}

void EvalContext::reset(const SecurityEvent& event, uint64_t number) {
  event_ = &event;
  number_ = number;
  have_cmdline_ = have_args_ = have_fd_name_ = have_evt_args_ = have_open_access_ = false;
}

std::string_view EvalContext::hostname() {
  if (hostname_.empty()) {
    char buf[HOST_NAME_MAX + 1] = {};
    if (gethostname(buf, sizeof buf - 1) == 0) hostname_ = buf;
  }
  return hostname_;
}

namespace {

// "0755" (octal) or symbolic "S_IRWXU|S_IXGRP": any execute bit?
bool mode_has_exec(const std::string* mode) {
  if (!mode || mode->empty()) return false;
  if (mode->find("S_IX") != std::string::npos || mode->find("S_IRWX") != std::string::npos) {
    return true;
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(mode->data(), mode->data() + mode->size(), value, 8);
  return ec == std::errc() && end == mode->data() + mode->size() && (value & 0111) != 0;
}

}  // namespace

uint8_t EvalContext::open_access() {
  if (have_open_access_) return open_access_;
  have_open_access_ = true;
  open_access_ = 0;
  EventType t = event_->type;
  bool is_open = t == EventType::kOpen || t == EventType::kOpenat || t == EventType::kOpenat2;
  const std::string* flags = is_open && event_->res >= 0 ? event_->arg("flags") : nullptr;
  if (!flags) return 0;
  auto has = [&](std::string_view f) { return flags->find(f) != std::string::npos; };
  bool rdwr = has("O_RDWR");
  if (rdwr || has("O_RDONLY")) open_access_ |= kOpenRead;
  if (rdwr || has("O_WRONLY") || has("O_CREAT") || has("O_TRUNC")) open_access_ |= kOpenWrite;
  if (has("O_CREAT") && mode_has_exec(event_->arg("mode"))) open_access_ |= kOpenExec;
  return open_access_;
}

std::string_view EvalContext::args_text() {
  if (!have_args_) {
    args_.clear();
    const auto& args = event_->proc.args;
    for (size_t i = 1; i < args.size(); ++i) {
      if (i > 1) args_ += ' ';
      args_ += args[i];
    }
    have_args_ = true;
  }
  return args_;
}

std::string_view EvalContext::cmdline() {
  if (!event_->proc.cmdline.empty()) return event_->proc.cmdline;
  if (!have_cmdline_) {
    cmdline_ = event_->proc.comm;
    std::string_view args = args_text();
    if (!args.empty()) {
      cmdline_ += ' ';
      cmdline_ += args;
    }
    have_cmdline_ = true;
  }
  return cmdline_;
}

std::string_view EvalContext::fd_name() {
  const FdInfo& fd = event_->fd;
  if (!fd.name.empty()) return fd.name;
  if (!have_fd_name_) {
    fd_name_.clear();
    if (!fd.sip.empty() || !fd.dip.empty()) {
      fd_name_ =
          fd.sip + ":" + std::to_string(fd.sport) + "->" + fd.dip + ":" + std::to_string(fd.dport);
    }
    have_fd_name_ = true;
  }
  return fd_name_;
}

std::string_view EvalContext::evt_args() {
  if (!have_evt_args_) {
    evt_args_.clear();
    for (const auto& [key, value] : event_->args) {
      if (!evt_args_.empty()) evt_args_ += ' ';
      evt_args_ += key;
      evt_args_ += '=';
      evt_args_ += value;
    }
    have_evt_args_ = true;
  }
  return evt_args_;
}

std::span<const FieldFamily> field_families() {
  static const std::array<FieldFamily, 6> kFamilies = {{
      {"evt", "The event: its type, result, time and syscall arguments.", evt_fields()},
      {"proc", "The process that made the syscall and its ancestry.", proc_fields()},
      {"thread, user, group", "The calling thread and its credentials.", identity_fields()},
      {"fd", "The file descriptor, path or socket the event is about.", fd_fields()},
      {"container, k8s", "Where the process runs, from its cgroup.", container_fields()},
      {"Falco fields without data in ksight",
       "Falco fields that ksight's events do not carry. They are known so Falco rule files "
       "load: every comparison on them is false (as in Falco when the value is missing), a "
       "rule that cannot match without them is skipped with a warning, and in outputs they "
       "print `<NA>`.",
       unavailable_fields()},
  }};
  return kFamilies;
}

namespace {

const FieldInfo* find_info(std::string_view name) {
  for (const auto& family : field_families()) {
    for (const auto& field : family.fields) {
      if (field.name == name) return &field;
    }
  }
  return nullptr;
}

bool parse_index(std::string_view text, int* out) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return false;
  *out = value;
  return true;
}

}  // namespace

ResolvedField resolve_field(std::string_view name, std::string* error) {
  ResolvedField out;
  std::string_view base = name;
  std::string_view bracket;
  bool bracketed = false;
  FieldArg arg;
  if (size_t br = name.find('['); br != std::string_view::npos && name.back() == ']') {
    bracketed = true;
    base = name.substr(0, br);
    bracket = name.substr(br + 1, name.size() - br - 2);
  } else if (name.starts_with("evt.arg.")) {
    base = "evt.arg";
    arg.name = std::string(name.substr(8));
  }
  const FieldInfo* info = find_info(base);
  if (!info) {
    *error = "unknown field '" + std::string(name) + "'";
    return out;
  }
  if (bracketed && info->arg == FieldArgKind::kKey) {
    arg.name = std::string(bracket);
  } else if (bracketed && info->arg != FieldArgKind::kNone && !parse_index(bracket, &arg.index)) {
    *error = "bad index in '" + std::string(name) + "' (expected [N] with N >= 0)";
    return out;
  } else if (bracketed && info->arg == FieldArgKind::kNone) {
    arg.index = 0;  // reported below
  }
  bool has_arg = arg.index >= 0 || !arg.name.empty();
  if (has_arg && info->arg == FieldArgKind::kNone) {
    *error = "field '" + std::string(base) + "' takes no argument";
    return out;
  }
  if (!has_arg && info->arg_required) {
    *error = "field '" + std::string(base) + "' needs an argument ([N] or .name)";
    return out;
  }
  out.info = info;
  out.arg = std::move(arg);
  out.type = info->type;
  if (info->type == FieldType::kStringList && out.arg.index >= 0) out.type = FieldType::kString;
  return out;
}

const std::pair<std::string_view, std::string_view>* either_field(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
      {"fd.cip", "fd.sip"}, {"fd.cport", "fd.sport"}, {"fd.cnet", "fd.snet"}};
  static constexpr std::string_view kNames[] = {"fd.ip", "fd.port", "fd.net"};
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == name) return &kPairs[i];
  }
  return nullptr;
}

void render_field(EvalContext& ctx, const ResolvedField& field, std::string& out) {
  FieldValue value;
  if (!field.info->extract(ctx, field.arg, value)) {
    out += "<NA>";
    return;
  }
  switch (field.type) {
    case FieldType::kString:
    case FieldType::kIpNet:
      out += value.str;
      break;
    case FieldType::kInt:
      out += std::to_string(value.num);
      break;
    case FieldType::kBool:
      out += value.num ? "true" : "false";
      break;
    case FieldType::kStringList:
      out += '(';
      for (size_t i = 0; i < value.list.size(); ++i) {
        if (i) out += ',';
        out += value.list[i];
      }
      out += ')';
      break;
  }
}

std::string fields_markdown() {
  std::string out =
      "# Rule fields\n\n"
      "<!-- Generated by `ksight rules fields --markdown` from the field tables in\n"
      "     src/rules/fields_*.cpp. Do not edit; tests/rules checks it is current. -->\n\n"
      "Fields usable in rule conditions, exceptions and `%field` outputs. `<NA>` in an\n"
      "output means the event did not carry the value; `exists` tests for it.\n";
  for (const auto& family : field_families()) {
    out += "\n## " + std::string(family.name) + "\n\n" + std::string(family.description) + "\n\n";
    out += "| Field | Type | Description |\n|---|---|---|\n";
    for (const auto& field : family.fields) {
      std::string name(field.name);
      if (field.arg == FieldArgKind::kIndex) name += "[N]";
      if (field.arg == FieldArgKind::kIndexOrName) name += "[N]`, `" + name + ".NAME";
      if (field.arg == FieldArgKind::kKey) name += "[KEY]";
      out += "| `" + name + "` | " + std::string(field_type_name(field.type)) + " | " +
             std::string(field.description) + " |\n";
    }
  }
  return out;
}

}  // namespace ksight::rules
