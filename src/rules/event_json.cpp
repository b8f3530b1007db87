#include "rules/event_json.h"

#include <nlohmann/json.hpp>

namespace ksight::rules {

namespace {

using nlohmann::json;

template <typename T>
void get(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(out);
}

void read_proc(const json& j, ProcessInfo& p) {
  get(j, "pid", p.pid);
  get(j, "ppid", p.ppid);
  get(j, "tid", p.tid);
  get(j, "comm", p.comm);
  get(j, "exe", p.exe);
  get(j, "args", p.args);
  get(j, "cmdline", p.cmdline);
  get(j, "cwd", p.cwd);
  get(j, "tty", p.tty);
  get(j, "uid", p.uid);
  get(j, "gid", p.gid);
  get(j, "user", p.user);
  get(j, "loginuid", p.loginuid);
  get(j, "cap_effective", p.cap_effective);
  get(j, "ancestors", p.ancestors);
  get(j, "pexe", p.parent_exe);
  get(j, "pcmdline", p.parent_cmdline);
  get(j, "exe_from_memfd", p.is_exe_from_memfd);
  get(j, "aexes", p.ancestor_exes);
  get(j, "start_ts", p.start_ts_ns);
  if (p.tid == 0) p.tid = p.pid;
}

void read_fd(const json& j, FdInfo& fd) {
  get(j, "name", fd.name);
  get(j, "nameraw", fd.nameraw);
  std::string type;
  get(j, "type", type);
  fd.type_char = type.empty() ? 0 : type[0];
  get(j, "sip", fd.sip);
  get(j, "sport", fd.sport);
  get(j, "dip", fd.dip);
  get(j, "dport", fd.dport);
  get(j, "l4proto", fd.l4proto);
  get(j, "server", fd.is_server);
}

}  // namespace

std::optional<SecurityEvent> event_from_json(std::string_view line, std::string* error) {
  try {
    json j = json::parse(line);
    if (!j.is_object()) throw std::runtime_error("not a JSON object");
    SecurityEvent ev;
    std::string type = j.at("type").get<std::string>();
    ev.type = event_type_from_name(type);
    if (ev.type == EventType::kUnknown)
      throw std::runtime_error("unknown event type '" + type + "'");
    get(j, "ts", ev.ts_ns);
    get(j, "res", ev.res);
    if (auto it = j.find("proc"); it != j.end()) read_proc(*it, ev.proc);
    if (auto it = j.find("fd"); it != j.end()) read_fd(*it, ev.fd);
    if (auto it = j.find("args"); it != j.end()) {
      for (const auto& [key, value] : it->items()) {
        ev.set_arg(key, value.is_string() ? value.get<std::string>() : value.dump());
      }
    }
    get(j, "container", ev.container_id);
    get(j, "pod_uid", ev.pod_uid);
    return ev;
  } catch (const std::exception& e) {
    *error = e.what();
    return std::nullopt;
  }
}

std::string event_to_json(const SecurityEvent& ev) {
  nlohmann::ordered_json j;
  j["type"] = std::string(event_type_name(ev.type));
  j["ts"] = ev.ts_ns;
  j["res"] = ev.res;
  const ProcessInfo& p = ev.proc;
  j["proc"] = {{"pid", p.pid},
               {"ppid", p.ppid},
               {"tid", p.tid},
               {"comm", p.comm},
               {"exe", p.exe},
               {"args", p.args},
               {"cmdline", p.cmdline},
               {"cwd", p.cwd},
               {"tty", p.tty},
               {"uid", p.uid},
               {"gid", p.gid},
               {"user", p.user},
               {"loginuid", p.loginuid},
               {"cap_effective", p.cap_effective},
               {"ancestors", p.ancestors},
               {"pexe", p.parent_exe},
               {"pcmdline", p.parent_cmdline},
               {"exe_from_memfd", p.is_exe_from_memfd}};
  if (!p.ancestor_exes.empty()) j["proc"]["aexes"] = p.ancestor_exes;
  if (p.start_ts_ns != 0) j["proc"]["start_ts"] = p.start_ts_ns;
  if (ev.fd.type_char != 0 || !ev.fd.name.empty()) {
    j["fd"] = {
        {"name", ev.fd.name},       {"type", std::string(ev.fd.type_char ? 1 : 0, ev.fd.type_char)},
        {"sip", ev.fd.sip},         {"sport", ev.fd.sport},
        {"dip", ev.fd.dip},         {"dport", ev.fd.dport},
        {"l4proto", ev.fd.l4proto}, {"server", ev.fd.is_server}};
    if (!ev.fd.nameraw.empty()) j["fd"]["nameraw"] = ev.fd.nameraw;
  }
  auto args = nlohmann::ordered_json::object();
  for (const auto& [key, value] : ev.args) args[key] = value;
  j["args"] = std::move(args);
  j["container"] = ev.container_id;
  if (!ev.pod_uid.empty()) j["pod_uid"] = ev.pod_uid;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ksight::rules
