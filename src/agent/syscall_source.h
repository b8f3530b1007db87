#pragma once
// The syscall accounting source (bpf/syscalls.bpf.c): counts per process and
// syscall plus a per-syscall log2 latency histogram, all in kernel maps,
// read on every collect.
#include <memory>

#include "agent/event_source.h"

namespace ksight::agent {

struct SyscallSourceOptions {
  bool latency = true;          // also attach sys_exit for the duration histogram
  uint32_t latency_sample = 1;  // time 1 syscall in N, at random (power of two)
  uint32_t ignore_tgid = 0;     // e.g. the agent itself; 0: count everything
};

std::unique_ptr<EventSource> make_syscall_source(SourceContext& context,
                                                 SyscallSourceOptions options);

}  // namespace ksight::agent
