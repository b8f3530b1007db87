#pragma once
// The user side of bpf/profile.bpf.c: opens one sampling perf_event per
// online CPU, attaches the BPF program to each, and turns ring-buffer records
// into profile::StackSample for a sink.
#include <bpf/libbpf.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "agent/feature_probe.h"
#include "profile/stack_sample.h"

struct profile_bpf;

namespace ksight::agent {

enum class SampleEvent { kAuto, kCpuClock, kCycles };

struct CpuSamplerOptions {
  int frequency_hz = 99;
  std::vector<uint32_t> pids;  // empty: every process
  bool kernel_stacks = true;
  bool user_stacks = true;
  bool include_idle = false;
  SampleEvent event = SampleEvent::kAuto;
  // User stack bytes copied with the user registers per sample, for DWARF
  // unwinding (src/unwind); 0: frame-pointer stacks only. At most
  // kMaxStackCopyBytes.
  uint32_t stack_copy_bytes = 0;
};

inline constexpr uint32_t kMaxStackCopyBytes = 16384;

struct CpuSamplerCounters {
  uint64_t samples = 0;              // decoded and delivered
  uint64_t lost_ringbuf_full = 0;    // dropped in BPF: ring buffer full
  uint64_t kernel_stack_errors = 0;  // bpf_get_stack failed (sample kept, stack empty)
  uint64_t user_stack_errors = 0;
  uint64_t user_regs_errors = 0;   // no user registers for a stack copy
  uint64_t stack_copy_errors = 0;  // user stack copy failed (sample kept, FP stack only)
  uint64_t stack_copy_short = 0;   // copy succeeded after shrinking to the stack's end
  uint64_t decode_errors = 0;      // malformed records
  uint64_t lost() const { return lost_ringbuf_full + decode_errors; }
};

using SampleSink = std::function<void(const profile::StackSample&)>;

// Decodes one ring-buffer record. Returns false for malformed records.
bool decode_cpu_sample(std::span<const uint8_t> record, profile::StackSample* out);

class CpuSampler {
 public:
  // Loads and attaches; throws CapabilityError when the kernel or our
  // privileges refuse, ksight::Error for other failures.
  CpuSampler(const CpuSamplerOptions& options, KernelFeatures& features, SampleSink sink);
  ~CpuSampler();
  CpuSampler(const CpuSampler&) = delete;
  CpuSampler& operator=(const CpuSampler&) = delete;

  // File descriptor that becomes readable when samples are waiting.
  int poll_fd() const;
  // Delivers waiting samples to the sink, waiting up to timeout_ms.
  void poll(int timeout_ms);
  CpuSamplerCounters counters() const;
  const std::string& event_name() const { return event_name_; }
  size_t cpus() const { return links_.size(); }

 private:
  void load(const CpuSamplerOptions& options);
  void attach(const CpuSamplerOptions& options, KernelFeatures& features);
  void release();
  static int on_record(void* ctx, void* data, size_t size);

  profile_bpf* skel_ = nullptr;
  ring_buffer* ring_ = nullptr;
  std::vector<bpf_link*> links_;
  std::vector<int> event_fds_;
  SampleSink sink_;
  std::string event_name_;
  uint64_t samples_ = 0;
  uint64_t decode_errors_ = 0;
};

}  // namespace ksight::agent
