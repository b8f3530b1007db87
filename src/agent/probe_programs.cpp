#include "agent/probe_programs.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace ksight::agent {
namespace {

// Closes a file descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

std::string errno_text(const char* what, int err) {
  const char* name = strerrorname_np(err);
  return std::string(what) + ": " + strerror(err) + " (" + (name ? name : std::to_string(err)) +
         ")";
}

// libbpf returns -errno; the raw syscalls set errno.
std::string libbpf_text(const char* what, int ret) {
  return errno_text(what, ret < 0 ? -ret : ret);
}

int load_trivial(bpf_prog_type type, int return_value, const bpf_prog_load_opts* opts = nullptr) {
  const bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K,
       .dst_reg = BPF_REG_0,
       .src_reg = 0,
       .off = 0,
       .imm = return_value},
      {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
  };
  return bpf_prog_load(type, "ksight_probe", "GPL", insns, 2, opts);
}

long perf_event_open(perf_event_attr* attr, pid_t pid, int cpu) {
  return syscall(SYS_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

// Attaches `prog_fd` to a perf event and reports the step that failed.
FeatureStatus attach_to_perf_event(perf_event_attr& attr, pid_t pid, int cpu, int prog_fd,
                                   const std::string& what) {
  Fd event(static_cast<int>(perf_event_open(&attr, pid, cpu)));
  if (event.fd < 0) return {false, errno_text(("perf_event_open " + what).c_str(), errno)};
  if (ioctl(event.fd, PERF_EVENT_IOC_SET_BPF, prog_fd) != 0) {
    return {false, errno_text("PERF_EVENT_IOC_SET_BPF", errno)};
  }
  return {true, what};
}

// A BTF type id in vmlinux, or a reason.
struct BtfLookup {
  int id = -1;
  std::string error;
};

BtfLookup vmlinux_btf_id(const char* name, int kind) {
  std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__load_vmlinux_btf(), btf__free);
  if (!vmlinux) return {-1, "vmlinux BTF unavailable"};
  int id = btf__find_by_name_kind(vmlinux.get(), name, kind);
  if (id < 0) return {-1, std::string(name) + " not found in vmlinux BTF"};
  return {id, {}};
}

// Loads a BPF_PROG_TYPE_TRACING/LSM program against a BTF id and attaches it
// with bpf_link_create.
FeatureStatus load_and_link_btf(bpf_prog_type type, bpf_attach_type attach, const char* target,
                                int kind) {
  BtfLookup lookup = vmlinux_btf_id(target, kind);
  if (lookup.id < 0) return {false, lookup.error};
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach,
              .attach_btf_id = static_cast<__u32>(lookup.id));
  Fd prog(load_trivial(type, 0, &opts));
  if (prog.fd < 0) return {false, errno_text("BPF_PROG_LOAD", errno)};
  Fd link(bpf_link_create(prog.fd, 0, attach, nullptr));
  if (link.fd < 0) return {false, libbpf_text("BPF_LINK_CREATE", link.fd)};
  return {true, std::string("attached to ") + target};
}

// The file offset of one of our own functions, for a uprobe on ourselves.
bool self_offset(uint64_t* offset) {
  auto address = reinterpret_cast<uint64_t>(&self_offset);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    uint64_t start = 0, end = 0, file_offset = 0;
    if (sscanf(line.c_str(), "%lx-%lx %*s %lx", &start, &end, &file_offset) != 3) continue;
    if (address >= start && address < end) {
      *offset = address - start + file_offset;
      return true;
    }
  }
  return false;
}

int read_pmu_type(const char* pmu) {
  std::ifstream in(std::string("/sys/bus/event_source/devices/") + pmu + "/type");
  int type = -1;
  in >> type;
  return in ? type : -1;
}

}  // namespace

FeatureStatus probe_btf() {
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    return {false, errno_text("/sys/kernel/btf/vmlinux", errno) +
                       " (kernel built without CONFIG_DEBUG_INFO_BTF)"};
  }
  std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__load_vmlinux_btf(), btf__free);
  if (!vmlinux) return {false, errno_text("parse vmlinux BTF", errno)};
  return {true, std::to_string(btf__type_cnt(vmlinux.get())) + " types"};
}

FeatureStatus probe_ringbuf() {
  int ret = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr);
  if (ret == 1) return {true, ""};
  return {false, ret == 0 ? "BPF_MAP_TYPE_RINGBUF unknown to this kernel (needs 5.8+)"
                          : libbpf_text("probe ringbuf", ret)};
}

FeatureStatus probe_tracepoint(const std::string& tracefs_path) {
  if (tracefs_path.empty()) return {false, "tracefs unavailable: tracepoint ids unreadable"};
  std::ifstream id_file(tracefs_path + "/events/syscalls/sys_enter_getpid/id");
  int id = -1;
  id_file >> id;
  if (!id_file) return {false, "no syscalls:sys_enter_getpid in " + tracefs_path};
  Fd prog(load_trivial(BPF_PROG_TYPE_TRACEPOINT, 0));
  if (prog.fd < 0) return {false, errno_text("BPF_PROG_LOAD tracepoint", errno)};
  perf_event_attr attr{};
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.size = sizeof(attr);
  attr.config = static_cast<uint64_t>(id);
  return attach_to_perf_event(attr, -1, 0, prog.fd, "syscalls:sys_enter_getpid");
}

FeatureStatus probe_raw_tracepoint() {
  Fd prog(load_trivial(BPF_PROG_TYPE_RAW_TRACEPOINT, 0));
  if (prog.fd < 0) return {false, errno_text("BPF_PROG_LOAD raw_tracepoint", errno)};
  Fd link(bpf_raw_tracepoint_open("sys_enter", prog.fd));
  if (link.fd < 0) return {false, libbpf_text("BPF_RAW_TRACEPOINT_OPEN sys_enter", link.fd)};
  return {true, "sys_enter"};
}

FeatureStatus probe_tp_btf() {
  return load_and_link_btf(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, "btf_trace_sched_switch",
                           BTF_KIND_TYPEDEF);
}

// The HTTP capture's hooks (bpf/http.bpf.c, path 1): the sock_msg_length
// tracepoints appeared in Linux 6.3, and their socket state lives in
// BPF_MAP_TYPE_SK_STORAGE (5.2+).
FeatureStatus probe_sock_msg_tracepoints() {
  int ret = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_SK_STORAGE, nullptr);
  if (ret != 1) {
    return {false, ret == 0 ? "BPF_MAP_TYPE_SK_STORAGE unknown to this kernel (needs 5.2+)"
                            : libbpf_text("probe sk_storage", ret)};
  }
  FeatureStatus status = load_and_link_btf(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP,
                                           "btf_trace_sock_recv_length", BTF_KIND_TYPEDEF);
  if (!status.available && status.detail.find("not found") != std::string::npos) {
    status.detail += " (sock:sock_recv_length needs Linux 6.3+)";
  }
  return status;
}

FeatureStatus probe_fentry() {
  return load_and_link_btf(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, "do_nanosleep", BTF_KIND_FUNC);
}

FeatureStatus probe_lsm() {
  std::ifstream lsm_file("/sys/kernel/security/lsm");
  std::string lsms;
  std::getline(lsm_file, lsms);
  FeatureStatus status =
      load_and_link_btf(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_file_open", BTF_KIND_FUNC);
  if (!status.available && lsm_file && lsms.find("bpf") == std::string::npos) {
    status.detail += "; 'bpf' is not in the active LSMs (" + lsms + ")";
  }
  return status;
}

FeatureStatus probe_task_iterator() {
  return load_and_link_btf(BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, "bpf_iter_task", BTF_KIND_FUNC);
}

FeatureStatus probe_uprobe() {
  int type = read_pmu_type("uprobe");
  if (type < 0)
    return {false, "no uprobe PMU in /sys/bus/event_source/devices (CONFIG_UPROBES off)"};
  uint64_t offset = 0;
  if (!self_offset(&offset)) return {false, "could not find our own text in /proc/self/maps"};
  Fd prog(load_trivial(BPF_PROG_TYPE_KPROBE, 0));
  if (prog.fd < 0) return {false, errno_text("BPF_PROG_LOAD kprobe-type (uprobe)", errno)};
  static const char kSelf[] = "/proc/self/exe";
  perf_event_attr attr{};
  attr.type = static_cast<uint32_t>(type);
  attr.size = sizeof(attr);
  attr.config1 = reinterpret_cast<uint64_t>(kSelf);
  attr.config2 = offset;
  return attach_to_perf_event(attr, getpid(), -1, prog.fd, "uprobe on /proc/self/exe");
}

FeatureStatus probe_kprobe() {
  int type = read_pmu_type("kprobe");
  if (type < 0)
    return {false, "no kprobe PMU in /sys/bus/event_source/devices (CONFIG_KPROBES off)"};
  Fd prog(load_trivial(BPF_PROG_TYPE_KPROBE, 0));
  if (prog.fd < 0) return {false, errno_text("BPF_PROG_LOAD kprobe", errno)};
  static const char kSymbol[] = "do_nanosleep";
  perf_event_attr attr{};
  attr.type = static_cast<uint32_t>(type);
  attr.size = sizeof(attr);
  attr.config1 = reinterpret_cast<uint64_t>(kSymbol);
  return attach_to_perf_event(attr, -1, 0, prog.fd, "kprobe:do_nanosleep");
}

FeatureStatus probe_perf_event_sampling() {
  Fd prog(load_trivial(BPF_PROG_TYPE_PERF_EVENT, 0));
  if (prog.fd < 0) return {false, errno_text("BPF_PROG_LOAD perf_event", errno)};
  perf_event_attr attr{};
  attr.type = PERF_TYPE_SOFTWARE;
  attr.size = sizeof(attr);
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.freq = 1;
  attr.sample_freq = 99;
  return attach_to_perf_event(attr, -1, 0, prog.fd, "software cpu-clock");
}

FeatureStatus probe_hardware_cycles() {
  perf_event_attr attr{};
  attr.type = PERF_TYPE_HARDWARE;
  attr.size = sizeof(attr);
  attr.config = PERF_COUNT_HW_CPU_CYCLES;
  attr.freq = 1;
  attr.sample_freq = 99;
  Fd event(static_cast<int>(perf_event_open(&attr, -1, 0)));
  if (event.fd < 0) {
    return {false, errno_text("perf_event_open cpu-cycles", errno) +
                       " (no hardware PMU exposed, common in VMs)"};
  }
  return {true, "cpu-cycles"};
}

FeatureStatus probe_tc() {
  Fd prog(load_trivial(BPF_PROG_TYPE_SCHED_CLS, 0));
  if (prog.fd < 0) return {false, errno_text("BPF_PROG_LOAD sched_cls", errno)};
  int ifindex = static_cast<int>(if_nametoindex("lo"));
  if (ifindex == 0) return {false, "no loopback interface to attach to"};
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
  int ret = bpf_tc_hook_create(&hook);
  bool created = ret == 0;
  if (ret != 0 && ret != -EEXIST) return {false, libbpf_text("tc clsact qdisc on lo", ret)};
  // Priority 0xfffe keeps the probe out of the way of real filters for the
  // instant it exists; TC_ACT_OK (0) passes every packet.
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog.fd, .handle = 0xfffe, .priority = 0xfffe);
  ret = bpf_tc_attach(&hook, &opts);
  FeatureStatus status{ret == 0, ret == 0 ? "clsact ingress on lo" : libbpf_text("tc attach", ret)};
  if (ret == 0) {
    opts.prog_fd = 0;
    opts.prog_id = 0;
    opts.flags = 0;
    bpf_tc_detach(&hook, &opts);
  }
  if (created) {
    hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
    bpf_tc_hook_destroy(&hook);
  }
  return status;
}

FeatureStatus probe_cgroup_skb(const std::string& cgroup_v2_path) {
  if (cgroup_v2_path.empty()) return {false, "no cgroup v2 mount"};
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_CGROUP_INET_INGRESS);
  // cgroup_skb programs return 1 to let the packet through.
  Fd prog(load_trivial(BPF_PROG_TYPE_CGROUP_SKB, 1, &opts));
  if (prog.fd < 0) return {false, errno_text("BPF_PROG_LOAD cgroup_skb", errno)};
  Fd cgroup(open(cgroup_v2_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (cgroup.fd < 0) return {false, errno_text(("open " + cgroup_v2_path).c_str(), errno)};
  Fd link(bpf_link_create(prog.fd, cgroup.fd, BPF_CGROUP_INET_INGRESS, nullptr));
  if (link.fd < 0) return {false, libbpf_text("BPF_LINK_CREATE cgroup inet ingress", link.fd)};
  return {true, "cgroup v2 root at " + cgroup_v2_path};
}

}  // namespace ksight::agent
