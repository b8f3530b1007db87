#pragma once
// Synthetic ring-buffer records, laid out exactly as bpf/security.bpf.c
// writes them, for the unit tests.
#include <cstddef>
#include <cstring>
#include <string_view>
#include <vector>

#include "security.h"

namespace ksight::agent::testing {

template <typename T>
T make_record(uint32_t type, uint16_t syscall, int64_t res, uint32_t pid = 4242) {
  T rec;
  std::memset(&rec, 0, sizeof(rec));
  rec.c.hdr.timestamp_ns = 1000;
  rec.c.hdr.type = type;
  rec.c.hdr.size = sizeof(T);
  rec.c.hdr.pid = pid;
  rec.c.hdr.tid = pid + 1;
  rec.c.hdr.cgroup_id = 77;
  std::memcpy(rec.c.hdr.comm, "tester", 7);
  rec.c.ctx.uid = 1000;
  rec.c.ctx.gid = 1001;
  rec.c.ctx.euid = 1000;
  rec.c.ctx.egid = 1001;
  rec.c.ctx.ppid = 1;
  rec.c.ctx.loginuid = 0xffffffff;
  rec.c.ctx.res = res;
  rec.c.ctx.syscall = syscall;
  return rec;
}

template <typename T>
std::vector<std::byte> bytes_of(const T& rec) {
  std::vector<std::byte> out(sizeof(T));
  std::memcpy(out.data(), &rec, sizeof(T));
  return out;
}

template <size_t N>
void set_str(char (&dst)[N], std::string_view s) {
  std::memset(dst, 0, N);
  std::memcpy(dst, s.data(), std::min(s.size(), N));
}

// argv entries NUL-separated into an exec record.
inline void set_argv(ksight_sec_exec_event& e, std::initializer_list<std::string_view> argv) {
  uint32_t off = 0;
  for (auto arg : argv) {
    std::memcpy(e.args + off, arg.data(), arg.size());
    off += arg.size();
    e.args[off++] = 0;
  }
  e.args_len = off;
  e.argc = argv.size();
}

}  // namespace ksight::agent::testing
