#pragma once
// A TracepointSource with a few real formats (copied from a 6.18 tracefs),
// so passes and codegen are tested without tracefs or root.
#include <map>

#include "trace/tracefs.h"

namespace ksight::trace::testing {

inline const char* kOpenatFormat = R"(name: sys_enter_openat
ID: 782
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:int __syscall_nr;	offset:8;	size:4;	signed:1;
	field:int dfd;	offset:16;	size:8;	signed:0;
	field:const char * filename;	offset:24;	size:8;	signed:0;
	field:int flags;	offset:32;	size:8;	signed:0;
	field:umode_t mode;	offset:40;	size:8;	signed:0;
)";

inline const char* kExitReadFormat = R"(name: sys_exit_read
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:int __syscall_nr;	offset:8;	size:4;	signed:1;
	field:long ret;	offset:16;	size:8;	signed:1;
)";

inline const char* kSchedSwitchFormat = R"(name: sched_switch
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:char prev_comm[16];	offset:8;	size:16;	signed:0;
	field:pid_t prev_pid;	offset:24;	size:4;	signed:1;
	field:int prev_prio;	offset:28;	size:4;	signed:1;
	field:long prev_state;	offset:32;	size:8;	signed:1;
	field:char next_comm[16];	offset:40;	size:16;	signed:0;
	field:pid_t next_pid;	offset:56;	size:4;	signed:1;
	field:int next_prio;	offset:60;	size:4;	signed:1;
)";

inline const char* kProcessExecFormat = R"(name: sched_process_exec
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:__data_loc char[] filename;	offset:8;	size:4;	signed:0;
	field:pid_t pid;	offset:12;	size:4;	signed:1;
	field:pid_t old_pid;	offset:16;	size:4;	signed:1;
)";

inline const char* kInetSockSetStateFormat = R"(name: inet_sock_set_state
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:const void * skaddr;	offset:8;	size:8;	signed:0;
	field:int oldstate;	offset:16;	size:4;	signed:1;
	field:int newstate;	offset:20;	size:4;	signed:1;
	field:__u16 sport;	offset:24;	size:2;	signed:0;
	field:__u16 dport;	offset:26;	size:2;	signed:0;
	field:__u16 family;	offset:28;	size:2;	signed:0;
	field:__u16 protocol;	offset:30;	size:2;	signed:0;
	field:__u8 saddr[4];	offset:32;	size:4;	signed:0;
	field:__u8 daddr[4];	offset:36;	size:4;	signed:0;
	field:__u8 saddr_v6[16];	offset:40;	size:16;	signed:0;
	field:__u8 daddr_v6[16];	offset:56;	size:16;	signed:0;
)";

class FakeTracepoints : public TracepointSource {
 public:
  FakeTracepoints() {
    formats_["syscalls:sys_enter_openat"] = kOpenatFormat;
    formats_["syscalls:sys_enter_open"] = kOpenatFormat;
    formats_["syscalls:sys_exit_read"] = kExitReadFormat;
    formats_["sched:sched_switch"] = kSchedSwitchFormat;
    formats_["sched:sched_process_exec"] = kProcessExecFormat;
    formats_["sock:inet_sock_set_state"] = kInetSockSetStateFormat;
  }
  std::vector<std::string> list() override {
    std::vector<std::string> out;
    for (const auto& [k, v] : formats_) out.push_back(k);
    return out;
  }
  std::optional<TracepointFormat> format(const std::string& cat, const std::string& name) override {
    auto it = formats_.find(cat + ":" + name);
    if (it == formats_.end()) return std::nullopt;
    auto f = parse_tracepoint_format(it->second);
    f.category = cat;
    f.name = name;
    return f;
  }
  std::optional<uint32_t> id(const std::string&, const std::string&) override { return 1; }

 private:
  std::map<std::string, const char*> formats_;
};

}  // namespace ksight::trace::testing
