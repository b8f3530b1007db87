#include "trace/runtime/attach.h"

#include <bpf/bpf.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/error.h"

namespace ksight::trace::runtime {

namespace {

int perf_event_open(perf_event_attr* attr, int pid, int cpu) {
  return static_cast<int>(syscall(SYS_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

[[noreturn]] void attach_failed(const std::string& what, int err) {
  std::string msg = "cannot attach " + what + ": " + std::strerror(err);
  if (err == EPERM || err == EACCES) throw CapabilityError(msg);
  throw Error(msg);
}

Fd open_and_set_bpf(perf_event_attr& attr, int pid, int cpu, int prog_fd, const std::string& what) {
  int fd = perf_event_open(&attr, pid, cpu);
  if (fd < 0) attach_failed(what, errno);
  Fd event(fd);
  if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0) attach_failed(what, errno);
  if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) attach_failed(what, errno);
  return event;
}

int read_int_file(const std::string& path) {
  std::ifstream in(path);
  int v = -1;
  in >> v;
  return v;
}

// "config:0" -> 0: which config bit marks a uretprobe.
int retprobe_bit() {
  std::ifstream in("/sys/bus/event_source/devices/uprobe/format/retprobe");
  std::string text;
  in >> text;
  auto colon = text.find(':');
  return colon == std::string::npos ? 0 : std::stoi(text.substr(colon + 1));
}

}  // namespace

std::vector<Fd> attach_tracepoint(int prog_fd, uint32_t id, const std::string& what) {
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.config = id;
  attr.sample_period = 1;
  attr.wakeup_events = 1;
  std::vector<Fd> fds;
  fds.push_back(open_and_set_bpf(attr, -1, 0, prog_fd, what));
  return fds;
}

std::vector<Fd> attach_raw_tracepoint(int prog_fd, const std::string& name) {
  int fd = bpf_raw_tracepoint_open(name.c_str(), prog_fd);
  if (fd < 0) attach_failed("rawtracepoint:" + name, errno);
  std::vector<Fd> fds;
  fds.emplace_back(fd);
  return fds;
}

std::vector<Fd> attach_uprobe(int prog_fd, const std::string& path, uint64_t offset, bool retprobe,
                              int pid, const std::string& what, uint64_t ref_ctr_offset) {
  int type = read_int_file("/sys/bus/event_source/devices/uprobe/type");
  if (type < 0)
    throw CapabilityError("cannot attach " + what + ": no uprobe PMU in /sys/bus/event_source");
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = static_cast<uint32_t>(type);
  attr.config = retprobe ? (1ull << retprobe_bit()) : 0;
  attr.config |= ref_ctr_offset << 32;                      // format/ref_ctr_offset: config:32-63
  attr.config1 = reinterpret_cast<uint64_t>(path.c_str());  // uprobe_path
  attr.config2 = offset;                                    // probe_offset
  attr.sample_period = 1;
  std::vector<Fd> fds;
  fds.push_back(open_and_set_bpf(attr, pid >= 0 ? pid : -1, pid >= 0 ? -1 : 0, prog_fd, what));
  return fds;
}

std::vector<Fd> attach_profile(int prog_fd, uint64_t hz, int pid) {
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.freq = 1;
  attr.sample_freq = hz;
  std::vector<Fd> fds;
  std::string what = "profile:hz:" + std::to_string(hz);
  if (pid >= 0) {
    fds.push_back(open_and_set_bpf(attr, pid, -1, prog_fd, what));
    return fds;
  }
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  for (int cpu = 0; cpu < cpus; ++cpu)
    fds.push_back(open_and_set_bpf(attr, -1, cpu, prog_fd, what));
  return fds;
}

}  // namespace ksight::trace::runtime
