#include "agent/cpu_sampler.h"

#include <bpf/bpf.h>
#include <linux/perf_event.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "agent/event_layout.h"
#include "agent/online_cpus.h"
#include "common/error.h"
#include "profile.skel.h"

namespace ksight::agent {
static_assert(kMaxStackCopyBytes == PROFILE_MAX_STACK_COPY);
namespace {

bool is_permission_error(int err) {
  return err == EPERM || err == EACCES;
}

[[noreturn]] void throw_load_error(const std::string& what, int err) {
  std::string message = what + ": " + strerror(err);
  if (is_permission_error(err)) {
    throw CapabilityError(message + " (needs CAP_BPF and CAP_PERFMON, or root)");
  }
  throw Error(message);
}

int open_sampling_event(SampleEvent event, int frequency_hz, int cpu) {
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  if (event == SampleEvent::kCycles) {
    attr.type = PERF_TYPE_HARDWARE;
    attr.config = PERF_COUNT_HW_CPU_CYCLES;
  } else {
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
  }
  attr.freq = 1;
  attr.sample_freq = static_cast<uint64_t>(frequency_hz);
  return static_cast<int>(syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

SampleEvent choose_event(SampleEvent wanted, KernelFeatures& features) {
  if (wanted == SampleEvent::kCpuClock) return wanted;
  auto cycles = features.status(Feature::kHardwareCycles);
  if (cycles.available) return SampleEvent::kCycles;
  if (wanted == SampleEvent::kCycles) {
    throw CapabilityError("hardware cycles sampling unavailable: " + cycles.detail);
  }
  spdlog::info("sampling on software cpu-clock: hardware cycles unavailable ({})", cycles.detail);
  return SampleEvent::kCpuClock;
}

}  // namespace

namespace {

bool decode_base(const profile_sample* raw, profile::StackSample* out) {
  if (raw->kernel_depth > KSIGHT_MAX_STACK_DEPTH || raw->user_depth > KSIGHT_MAX_STACK_DEPTH) {
    return false;
  }
  out->timestamp_ns = raw->hdr.timestamp_ns;
  out->pid = raw->hdr.pid;
  out->tid = raw->hdr.tid;
  out->cpu = raw->cpu;
  out->cgroup_id = raw->hdr.cgroup_id;
  out->comm = std::string_view(raw->hdr.comm, strnlen(raw->hdr.comm, KSIGHT_COMM_LEN));
  size_t kernel_depth = raw->kernel_depth > 0 ? static_cast<size_t>(raw->kernel_depth) : 0;
  size_t user_depth = raw->user_depth > 0 ? static_cast<size_t>(raw->user_depth) : 0;
  out->kernel_stack =
      std::span<const uint64_t>(reinterpret_cast<const uint64_t*>(raw->kernel_stack), kernel_depth);
  out->user_stack =
      std::span<const uint64_t>(reinterpret_cast<const uint64_t*>(raw->user_stack), user_depth);
  out->kernel_error = raw->kernel_depth < 0 ? raw->kernel_depth : 0;
  out->user_error = raw->user_depth < 0 ? raw->user_depth : 0;
  out->user_regs = {};
  out->user_stack_copy = {};
  return true;
}

}  // namespace

bool decode_cpu_sample(std::span<const uint8_t> record, profile::StackSample* out) {
  if (record.size() < sizeof(profile_sample)) return false;
  const auto* raw = reinterpret_cast<const profile_sample*>(record.data());
  if (raw->hdr.type == KSIGHT_EVENT_CPU_SAMPLE) {
    return raw->hdr.size == sizeof(profile_sample) && decode_base(raw, out);
  }
  if (raw->hdr.type != KSIGHT_EVENT_CPU_SAMPLE_USTACK ||
      raw->hdr.size != sizeof(profile_sample_ustack) ||
      record.size() < sizeof(profile_sample_ustack)) {
    return false;
  }
  const auto* full = reinterpret_cast<const profile_sample_ustack*>(record.data());
  if (full->stack_size > PROFILE_MAX_STACK_COPY || !decode_base(&full->base, out)) return false;
  if (full->regs_valid) {
    out->user_regs = std::span<const uint64_t>(reinterpret_cast<const uint64_t*>(full->user_regs),
                                               PROFILE_USER_REGS);
    out->user_stack_copy = std::span<const uint8_t>(full->stack, full->stack_size);
  }
  return true;
}

CpuSampler::CpuSampler(const CpuSamplerOptions& options, KernelFeatures& features, SampleSink sink)
    : sink_(std::move(sink)) {
  try {
    load(options);
    attach(options, features);
  } catch (...) {
    release();
    throw;
  }
}

CpuSampler::~CpuSampler() {
  release();
}

void CpuSampler::release() {
  for (auto* link : links_) bpf_link__destroy(link);
  links_.clear();
  for (int fd : event_fds_) close(fd);
  event_fds_.clear();
  if (ring_) ring_buffer__free(ring_);
  ring_ = nullptr;
  if (skel_) profile_bpf__destroy(skel_);
  skel_ = nullptr;
}

void CpuSampler::load(const CpuSamplerOptions& options) {
  skel_ = profile_bpf__open();
  if (!skel_) throw_load_error("opening the CPU sampler BPF object", errno);
  skel_->rodata->filter_pids = !options.pids.empty();
  skel_->rodata->include_idle = options.include_idle;
  skel_->rodata->collect_kernel = options.kernel_stacks;
  skel_->rodata->collect_user = options.user_stacks;
  skel_->rodata->stack_copy_bytes = std::min(options.stack_copy_bytes, kMaxStackCopyBytes);
  if (options.stack_copy_bytes > 0) {
    // ~18 KiB records: 8 MiB holds ~450 samples, over two seconds of 2 CPUs
    // at 99 Hz between polls (the session polls at least every 200 ms).
    bpf_map__set_max_entries(skel_->maps.samples, 8u << 20);
  }
  if (int err = profile_bpf__load(skel_); err != 0) {
    throw_load_error("loading the CPU sampler BPF program", -err);
  }
  for (uint32_t pid : options.pids) {
    uint8_t one = 1;
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.target_pids), &pid, &one, BPF_ANY) != 0) {
      throw Error("adding pid " + std::to_string(pid) +
                  " to the sampler filter: " + strerror(errno));
    }
  }
  ring_ = ring_buffer__new(bpf_map__fd(skel_->maps.samples), &CpuSampler::on_record, this, nullptr);
  if (!ring_) throw_load_error("creating the ring buffer consumer", errno);
}

void CpuSampler::attach(const CpuSamplerOptions& options, KernelFeatures& features) {
  SampleEvent event = choose_event(options.event, features);
  event_name_ = event == SampleEvent::kCycles ? "cycles" : "cpu-clock";
  for (int cpu : online_cpus()) {
    int fd = open_sampling_event(event, options.frequency_hz, cpu);
    if (fd < 0) {
      if (errno == ENODEV) continue;  // CPU went offline
      throw_load_error("perf_event_open " + event_name_ + " on CPU " + std::to_string(cpu), errno);
    }
    event_fds_.push_back(fd);
    bpf_link* link = bpf_program__attach_perf_event(skel_->progs.on_cpu_sample, fd);
    if (!link) throw_load_error("attaching the sampler to CPU " + std::to_string(cpu), errno);
    links_.push_back(link);
  }
  if (links_.empty()) throw Error("no online CPU accepted a sampling event");
}

int CpuSampler::on_record(void* ctx, void* data, size_t size) {
  auto* self = static_cast<CpuSampler*>(ctx);
  profile::StackSample sample;
  if (!decode_cpu_sample({static_cast<const uint8_t*>(data), size}, &sample)) {
    ++self->decode_errors_;
    return 0;
  }
  ++self->samples_;
  self->sink_(sample);
  return 0;
}

int CpuSampler::poll_fd() const {
  return ring_buffer__epoll_fd(ring_);
}

void CpuSampler::poll(int timeout_ms) {
  ring_buffer__poll(ring_, timeout_ms);
}

CpuSamplerCounters CpuSampler::counters() const {
  CpuSamplerCounters counters;
  counters.samples = samples_;
  counters.decode_errors = decode_errors_;
  int cpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> values(cpus > 0 ? cpus : 1);
  uint64_t* targets[] = {&counters.lost_ringbuf_full, &counters.kernel_stack_errors,
                         &counters.user_stack_errors, &counters.user_regs_errors,
                         &counters.stack_copy_errors, &counters.stack_copy_short};
  static_assert(std::size(targets) == PROFILE_LOSS_MAX);
  for (uint32_t reason = 0; reason < PROFILE_LOSS_MAX; ++reason) {
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.lost_counters), &reason, values.data()) != 0) {
      continue;
    }
    for (uint64_t v : values) *targets[reason] += v;
  }
  return counters;
}

}  // namespace ksight::agent
