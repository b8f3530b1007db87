#pragma once
// The security event source: loads bpf/security.bpf.c, attaches its
// syscalls:sys_enter_*/sys_exit_* programs, consumes the ring buffer and
// hands each decoded SecurityEventRecord to a sink.
//
//   SecuritySource source(options, [](const SecurityEventRecord& e) { ... });
//   source.start();                 // throws ksight::Error / CapabilityError
//   while (running) source.poll(100);
//   source.stop();                  // also done by the destructor
//
// Single-threaded: start/poll/stop/stats from one thread.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/feature_probe.h"
#include "agent/security_pipeline.h"

namespace ksight::agent {

// Event families (bit positions = enum ksight_sec_family in bpf/security.h).
enum class SecurityFamily : uint32_t {
  kExec = 0,  // execve, execveat
  kOpen,      // open, openat, openat2, creat
  kNet,       // connect, accept, accept4
  kPtrace,
  kModule,  // init_module, finit_module
  kSetId,   // setuid ... setresgid
  kMemfd,
  kMount,
  kFileOps,  // unlink*, rename*, chmod*, chown*
  kBpf,
  kDup,  // dup2, dup3
  kKill,
  kExit,  // sched_process_exit
  kCount,
};
inline constexpr uint32_t kAllSecurityFamilies =
    (1u << static_cast<uint32_t>(SecurityFamily::kCount)) - 1;
inline constexpr uint32_t family_bit(SecurityFamily f) {
  return 1u << static_cast<uint32_t>(f);
}

struct SecuritySourceOptions {
  uint32_t families = kAllSecurityFamilies;
  // Thread group whose syscalls BPF ignores; 0 = none. Defaults to the agent.
  uint32_t ignore_pid = 0;
  bool ignore_self = true;
  uint32_t ringbuf_bytes = 16u << 20;  // power of two, page multiple
  bool resolve_paths = true;           // relative paths via /proc/PID/{cwd,fd}
  // Wake the consumer when this many bytes wait; 0 = on every record.
  // Records below the threshold are picked up when poll() times out, so
  // the poll timeout bounds the delay (poll with <= 100 ms). Batching more
  // than doubles the open-storm rate carried here (130k -> 290k events/s).
  uint64_t wakeup_bytes = 64 * 1024;
  // On kernels without the init_module/finit_module tracepoints (no module
  // support), watch module attempts through raw_syscalls:sys_exit instead.
  // Off by default: that hook runs for every syscall on the machine.
  bool module_raw_fallback = false;
  // Asked before loading (BTF, ring buffer, tracepoints); null = the
  // process-wide probe. Tests substitute a fake.
  KernelFeatures* features = nullptr;
};

class SecuritySource {
 public:
  SecuritySource(SecuritySourceOptions options, SecuritySink sink);
  ~SecuritySource();
  SecuritySource(const SecuritySource&) = delete;
  SecuritySource& operator=(const SecuritySource&) = delete;

  void start();
  // Waits up to timeout_ms for records; returns how many were handled.
  int poll(int timeout_ms);
  // The ring buffer's epoll fd for a caller's own event loop (the agent),
  // -1 when not started. Readable only past the wakeup threshold, so the
  // caller must also poll(0) on a timer (the agent's collect does).
  int poll_fd() const;
  void stop();
  bool running() const;

  SecurityStats stats();      // pipeline counters + BPF lost counters
  SecurityLost lost() const;  // BPF counters only, summed over CPUs

  // Programs attached, and the ones skipped with the reason.
  const std::vector<std::string>& attached() const { return attached_; }
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  struct Bpf;
  void check_features();
  void configure_programs();
  void attach_programs();
  SecuritySourceOptions options_;
  ProcfsLinks proc_;
  SecurityPipeline pipeline_;
  std::unique_ptr<Bpf> bpf_;
  std::vector<std::string> attached_;
  std::vector<std::string> skipped_;
};

// Family of a program name ("enter_openat" -> kOpen); kCount if unknown.
SecurityFamily security_program_family(const std::string& program_name);

}  // namespace ksight::agent
