#include "cli/profile_session.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "agent/cpu_sampler.h"
#include "agent/feature_probe.h"
#include "common/atomic_file.h"
#include "common/duration.h"
#include "common/error.h"
#include "common/signals.h"
#include "export/profile_writer.h"
#include "profile/cpu_profile_builder.h"
#include "symbolizer/elf_symbolizer.h"
#include "unwind/stack_resolver.h"

namespace ksight::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct ValidatedRequest {
  std::chrono::nanoseconds duration{};
  exporter::ProfileFormat format = exporter::ProfileFormat::kFolded;
  agent::SampleEvent event = agent::SampleEvent::kAuto;
  unwind::UnwindMode unwind = unwind::UnwindMode::kAuto;
};

int max_sample_rate() {
  std::ifstream in("/proc/sys/kernel/perf_event_max_sample_rate");
  int rate = 0;
  in >> rate;
  return rate > 0 ? rate : 100000;
}

bool process_exists(uint32_t pid) {
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

ValidatedRequest validate(const ProfileRequest& request) {
  ValidatedRequest v;
  auto duration = parse_duration(request.duration);
  if (!duration || duration->count() == 0) {
    throw Error("--duration '" + request.duration +
                "': expected a positive duration like 10s, "
                "500ms or 2m");
  }
  v.duration = *duration;
  int max_rate = max_sample_rate();
  if (request.frequency_hz < 1 || request.frequency_hz > max_rate) {
    throw Error("--frequency " + std::to_string(request.frequency_hz) + ": must be between 1 and " +
                std::to_string(max_rate) + " (kernel.perf_event_max_sample_rate)");
  }
  if (request.all && !request.pids.empty()) throw Error("--all and --pid exclude each other");
  for (uint32_t pid : request.pids) {
    if (pid == 0 || !process_exists(pid)) {
      throw Error("--pid " + std::to_string(pid) + ": no such process");
    }
  }
  if (request.no_kernel && request.no_user)
    throw Error("--no-kernel with --no-user leaves no stack");
  if (!request.format.empty()) {
    auto format = exporter::parse_format(request.format);
    if (!format) throw Error("--format '" + request.format + "': expected pprof, folded or svg");
    v.format = *format;
  } else if (!request.output.empty()) {
    auto format = exporter::format_from_extension(request.output);
    if (!format) {
      throw Error("cannot tell the format of '" + request.output +
                  "' from its extension (.pb.gz, .pprof, .folded, .svg): use --format");
    }
    v.format = *format;
  }
  if (request.event == "cpu-clock")
    v.event = agent::SampleEvent::kCpuClock;
  else if (request.event == "cycles")
    v.event = agent::SampleEvent::kCycles;
  else if (request.event != "auto")
    throw Error("--event '" + request.event + "': expected auto, cpu-clock or cycles");
  auto mode = unwind::parse_unwind_mode(request.unwind);
  if (!mode) throw Error("--unwind '" + request.unwind + "': expected auto, fp or dwarf");
  v.unwind = *mode;
  if (request.stack_bytes < 64 || request.stack_bytes > agent::kMaxStackCopyBytes) {
    throw Error("--stack-bytes " + std::to_string(request.stack_bytes) +
                ": must be between 64 and " + std::to_string(agent::kMaxStackCopyBytes));
  }
  return v;
}

void require_capabilities() {
  auto info = agent::kernel_features().info();
  auto missing = [&](const char* cap) {
    for (const auto& m : info.missing_capabilities)
      if (m == cap) return true;
    return false;
  };
  // CAP_SYS_ADMIN covers both on kernels before 5.8 and still does after.
  if ((missing("CAP_BPF") || missing("CAP_PERFMON")) && missing("CAP_SYS_ADMIN")) {
    std::string what = missing("CAP_BPF") && missing("CAP_PERFMON") ? "CAP_BPF and CAP_PERFMON"
                       : missing("CAP_BPF")                         ? "CAP_BPF"
                                                                    : "CAP_PERFMON";
    throw CapabilityError("missing " + what +
                          ": run as root or grant them (setcap/securityContext)");
  }
}

class ProgressLine {
 public:
  ProgressLine() : enabled_(isatty(STDERR_FILENO) == 1) {}
  void update(double elapsed, double total, uint64_t samples, uint64_t lost) {
    if (!enabled_) return;
    std::fprintf(stderr, "\r  %5.1fs / %.1fs   samples %-9lu lost %lu ", elapsed, total,
                 static_cast<unsigned long>(samples), static_cast<unsigned long>(lost));
    std::fflush(stderr);
  }
  void finish() {
    if (enabled_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
};

// Samples until the duration elapses or SIGINT/SIGTERM arrives.
std::chrono::nanoseconds sample_loop(agent::CpuSampler& sampler, SignalFd& signals,
                                     std::chrono::nanoseconds duration) {
  ProgressLine progress;
  const auto start = Clock::now();
  const auto deadline = start + duration;
  pollfd fds[2] = {{sampler.poll_fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
  while (true) {
    auto now = Clock::now();
    if (now >= deadline) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    poll(fds, 2, static_cast<int>(std::min<int64_t>(left + 1, 200)));
    sampler.poll(0);
    if (fds[1].revents & POLLIN) {
      if (auto sig = signals.read_signal()) {
        spdlog::info("signal {}: stopping early and writing the profile", *sig);
        break;
      }
    }
    auto c = sampler.counters();
    progress.update(std::chrono::duration<double>(Clock::now() - start).count(),
                    std::chrono::duration<double>(duration).count(), c.samples, c.lost());
  }
  sampler.poll(0);  // drain what arrived before the stop
  progress.finish();
  return Clock::now() - start;
}

// "unwind (auto): dwarf 290 (complete 285, spliced 3), fp 10; unwind_errors:
// truncated_stack=2 no_cfi=3; 41.2 us/unwind"
void print_unwind_summary(unwind::UnwindMode mode, const unwind::UnwindStats& s,
                          size_t state_bytes) {
  if (mode == unwind::UnwindMode::kFramePointer) return;
  std::fprintf(stderr, "ksight: unwind (%s): dwarf %lu (complete %lu, spliced %lu), fp %lu",
               std::string(unwind::unwind_mode_name(mode)).c_str(),
               static_cast<unsigned long>(s.dwarf_used),
               static_cast<unsigned long>(s.dwarf_complete), static_cast<unsigned long>(s.spliced),
               static_cast<unsigned long>(s.fp_used));
  std::fprintf(stderr, "; unwind_errors:");
  if (s.total_errors() == 0) std::fprintf(stderr, " 0");
  for (size_t i = 0; i < s.errors.size(); ++i) {
    if (s.errors[i] == 0) continue;
    std::fprintf(stderr, " %s=%lu", std::string(unwind::kUnwindErrorNames[i]).c_str(),
                 static_cast<unsigned long>(s.errors[i]));
  }
  if (s.dwarf_used > 0) {
    std::fprintf(stderr, "; %.1f us/unwind, %zu processes, unwind state %zu KiB",
                 s.unwind_nanos / 1e3 / s.dwarf_used, static_cast<size_t>(s.processes),
                 state_bytes / 1024);
  }
  std::fprintf(stderr, "\n");
}

int64_t unix_nanos_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int run_profile(const ProfileRequest& request) {
  ValidatedRequest v = validate(request);
  require_capabilities();
  std::unique_ptr<AtomicFile> file;
  if (!request.output.empty()) file = std::make_unique<AtomicFile>(request.output);

  auto symbolizer = symbolizer::make_symbolizer();
  profile::CpuProfileBuilder builder(*symbolizer, {request.frequency_hz});
  agent::CpuSamplerOptions options;
  options.frequency_hz = request.frequency_hz;
  options.pids = request.pids;
  options.kernel_stacks = !request.no_kernel;
  options.user_stacks = !request.no_user;
  options.include_idle = request.include_idle;
  options.event = v.event;
  options.stack_copy_bytes =
      v.unwind == unwind::UnwindMode::kFramePointer || request.no_user ? 0 : request.stack_bytes;

  unwind::DwarfUnwinder unwinder;
  unwind::StackResolver resolver(unwinder, v.unwind);
  std::vector<uint64_t> user_frames;
  auto sink = [&](const profile::StackSample& s) {
    if (s.pid == 0 || request.no_user) {
      builder.add(s);
      return;
    }
    user_frames = resolver.resolve(s);
    profile::StackSample resolved = s;
    resolved.user_stack = user_frames;
    builder.add(resolved);
  };
  SignalFd signals({SIGINT, SIGTERM});
  agent::CpuSampler sampler(options, agent::kernel_features(), sink);
  spdlog::info("sampling {} on {} CPUs at {} Hz for {:.1f}s", sampler.event_name(), sampler.cpus(),
               request.frequency_hz, std::chrono::duration<double>(v.duration).count());
  int64_t start_nanos = unix_nanos_now();
  auto elapsed = sample_loop(sampler, signals, v.duration);

  auto counters = sampler.counters();
  profile::Profile profile = builder.build(start_nanos, elapsed.count());
  exporter::WriteOptions write_options;
  write_options.title = request.title.empty() ? "ksight CPU profile" : request.title;
  write_options.show_lines = request.show_lines;
  if (file) {
    exporter::write_profile(profile, v.format, file->stream(), write_options);
    file->commit();
  } else {
    exporter::write_profile(profile, v.format, std::cout, write_options);
    std::cout.flush();
  }
  std::fprintf(stderr, "ksight: %lu samples, %zu stacks%s%s; lost samples: %lu",
               static_cast<unsigned long>(counters.samples), builder.distinct_stacks(),
               file ? " written to " : "", file ? request.output.c_str() : "",
               static_cast<unsigned long>(counters.lost()));
  if (counters.kernel_stack_errors || counters.user_stack_errors) {
    std::fprintf(stderr, " (stacks not captured: kernel %lu, user %lu)",
                 static_cast<unsigned long>(counters.kernel_stack_errors),
                 static_cast<unsigned long>(counters.user_stack_errors));
  }
  if (counters.stack_copy_errors || counters.user_regs_errors) {
    std::fprintf(stderr, " (user stack copies failed: %lu, no user registers: %lu)",
                 static_cast<unsigned long>(counters.stack_copy_errors),
                 static_cast<unsigned long>(counters.user_regs_errors));
  }
  std::fprintf(stderr, "\n");
  print_unwind_summary(v.unwind, resolver.stats(), unwinder.approximate_bytes());
  return 0;
}

}  // namespace ksight::cli
