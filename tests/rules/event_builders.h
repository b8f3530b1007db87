#pragma once
// Synthetic SecurityEvents shaped like what the kernel feed produces.
#include <string>
#include <vector>

#include "rules/event.h"

namespace ksight::rules::testing {

inline SecurityEvent base_event(EventType type, std::string comm = "bash") {
  SecurityEvent ev;
  ev.type = type;
  ev.ts_ns = 1'700'000'000'123'456'789ULL;
  ev.proc.pid = 4242;
  ev.proc.tid = 4242;
  ev.proc.ppid = 4000;
  ev.proc.comm = comm;
  ev.proc.exe = "/usr/bin/" + comm;
  ev.proc.args = {comm};
  ev.proc.uid = 1000;
  ev.proc.gid = 1000;
  ev.proc.user = "alice";
  ev.proc.loginuid = 1000;
  ev.proc.cwd = "/home/alice";
  ev.proc.ancestors = {"sshd", "systemd"};
  return ev;
}

inline SecurityEvent exec_event(std::string comm, std::vector<std::string> args,
                                std::string parent = "bash") {
  SecurityEvent ev = base_event(EventType::kExecve, comm);
  ev.proc.args = {comm};
  ev.proc.args.insert(ev.proc.args.end(), args.begin(), args.end());
  ev.proc.ancestors = {parent, "sshd", "systemd"};
  return ev;
}

inline SecurityEvent open_event(std::string comm, std::string path, std::string flags,
                                int64_t res = 3) {
  SecurityEvent ev = base_event(EventType::kOpenat, comm);
  ev.res = res;
  ev.fd.name = std::move(path);
  ev.fd.type_char = 'f';
  ev.set_arg("flags", std::move(flags));
  return ev;
}

inline SecurityEvent connect_event(std::string comm, std::string dip, uint32_t dport,
                                   int64_t res = 0) {
  SecurityEvent ev = base_event(EventType::kConnect, comm);
  ev.res = res;
  ev.fd.type_char = '4';
  ev.fd.sip = "10.0.0.5";
  ev.fd.sport = 40000;
  ev.fd.dip = std::move(dip);
  ev.fd.dport = dport;
  ev.fd.l4proto = "tcp";
  return ev;
}

inline SecurityEvent in_container(SecurityEvent ev, std::string id = "3f2a9c1b7d4e") {
  ev.container_id = std::move(id);
  ev.pod_uid = "8c6d1e7e-1b2a-4c55-9a1f-3d2b6c7e8f90";
  return ev;
}

}  // namespace ksight::rules::testing
