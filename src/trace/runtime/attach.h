#pragma once
// Attaching loaded programs to kernel hooks with the low-level interfaces:
// perf_event_open + PERF_EVENT_IOC_SET_BPF (tracepoints, uprobes, sampling)
// and BPF_RAW_TRACEPOINT_OPEN. Each returns the fds that keep it attached.
#include <cstdint>
#include <string>
#include <vector>

#include "trace/runtime/loader.h"

namespace ksight::trace::runtime {

// Tracepoint `id` from tracefs events/<cat>/<name>/id. A tracepoint's BPF
// programs run for every CPU, so one perf event (on CPU 0) is enough.
std::vector<Fd> attach_tracepoint(int prog_fd, uint32_t id, const std::string& what);

std::vector<Fd> attach_raw_tracepoint(int prog_fd, const std::string& name);

// uprobe/uretprobe at `offset` in `path` through the perf "uprobe" PMU.
// `ref_ctr_offset`: file offset of a USDT semaphore the kernel should bump.
std::vector<Fd> attach_uprobe(int prog_fd, const std::string& path, uint64_t offset, bool retprobe,
                              int pid, const std::string& what, uint64_t ref_ctr_offset = 0);

// Software CPU-clock sampling at `hz` on every online CPU (or for one pid).
std::vector<Fd> attach_profile(int prog_fd, uint64_t hz, int pid);

}  // namespace ksight::trace::runtime
