#pragma once
// Everything above the security ring buffer: raw record -> decoded record
// -> enrichment (wall time, absolute paths) -> sink, with counters. No BPF
// here, so unit tests drive it with synthetic records.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>

#include "agent/security_decode.h"
#include "agent/security_events.h"
#include "agent/security_paths.h"

namespace ksight::agent {

using SecuritySink = std::function<void(const SecurityEventRecord&)>;

// Losses counted in BPF (bpf/security.h enum ksight_sec_lost_reason).
struct SecurityLost {
  uint64_t ringbuf_full = 0;  // record dropped: ring buffer full
  uint64_t pending_full = 0;  // sys_enter state map full: syscall not reported
  uint64_t exec_pending_full = 0;
  uint64_t missing_enter = 0;  // sys_exit without sys_enter (attach raced a syscall)
  uint64_t total_dropped() const { return ringbuf_full + pending_full + exec_pending_full; }
};

struct SecurityStats {
  // Delivered events per syscall name ("openat", "procexit", ...).
  std::map<std::string, uint64_t> events_by_syscall;
  uint64_t events_total = 0;
  // Decode failures per reason ("size_mismatch", ...).
  std::map<std::string, uint64_t> decode_errors;
  SecurityLost lost;  // filled by SecuritySource from the BPF counters
};

class SecurityPipeline {
 public:
  // `proc` may be null: no path resolution (records keep kernel paths).
  SecurityPipeline(SecuritySink sink, ProcLinks* proc);

  // One ring-buffer record. Returns true when it reached the sink.
  bool handle(std::span<const std::byte> bytes);

  // CLOCK_REALTIME - CLOCK_BOOTTIME, to turn BPF timestamps into wall time.
  void set_boot_to_wall_offset_ns(int64_t offset) { boot_to_wall_ns_ = offset; }
  static int64_t current_boot_to_wall_offset_ns();

  // Counters so far (lost stays zero here; SecuritySource adds it).
  SecurityStats stats();

 private:
  SecuritySink sink_;
  ProcLinks* proc_;
  int64_t boot_to_wall_ns_ = 0;
  SecurityStats stats_;
  std::array<uint64_t, static_cast<size_t>(SecuritySyscall::kCount)> by_syscall_{};
  void sync_counts();
  uint64_t since_sync_ = 0;
};

}  // namespace ksight::agent
