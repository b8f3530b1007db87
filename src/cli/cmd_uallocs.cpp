// `ksight uallocs`: user-space allocations of one process (malloc & co. in
// libc, operator new/delete in libstdc++), sampled by bytes, as pprof:
//   ksight uallocs -p PID      [-d 10s] [--sample-bytes 512KiB] [-o uallocs.pb.gz]
//   ksight uallocs -c 'CMD …'  [-d LIMIT] [--sample-bytes N]    [-o uallocs.pb.gz]
// With -c the command (split on spaces, no shell: a shell would allocate in
// a child we do not follow) runs under ptrace so that it is held at its exit
// while its memory maps are captured for symbolization; -d then is a limit
// after which it gets SIGTERM.
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "agent/feature_probe.h"
#include "agent/ualloc_profiler.h"
#include "cli/command_registry.h"
#include "common/atomic_file.h"
#include "common/byte_size.h"
#include "common/duration.h"
#include "common/error.h"
#include "export/pprof_writer.h"
#include "symbolizer/elf_symbolizer.h"

namespace {

using Clock = std::chrono::steady_clock;

struct UallocArgs {
  uint32_t pid = 0;
  std::string command;
  std::string duration;
  std::string sample_bytes = "512KiB";
  std::string output = "uallocs.pb.gz";
};

uint64_t parse_bytes(const std::string& text) {
  auto n = ksight::parse_byte_size(text);
  if (!n) throw ksight::Error("invalid --sample-bytes '" + text + "' (e.g. 524288, 512KiB, 4MiB)");
  return *n;
}

std::vector<std::string> split_words(const std::string& command) {
  std::istringstream in(command);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) throw ksight::Error("-c needs a command");
  return words;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Forks the command stopped at its exec (PTRACE_TRACEME): libc is not mapped
// yet, so nothing has been allocated when the profiler attaches.
pid_t start_traced(const std::vector<std::string>& words) {
  pid_t child = fork();
  if (child < 0) throw ksight::Error(std::string("fork: ") + strerror(errno));
  if (child == 0) {
    std::vector<char*> argv;
    for (const auto& w : words) argv.push_back(const_cast<char*>(w.c_str()));
    argv.push_back(nullptr);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "ksight uallocs: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
    throw ksight::Error("the command '" + words[0] + "' did not start");
  }
  ptrace(PTRACE_SETOPTIONS, child, nullptr,
         reinterpret_cast<void*>(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL));
  return child;
}

// Runs the traced child to its end (or SIGTERM after `limit`); at its exit
// stop, while its maps still exist, calls `at_exit`.
int run_traced(pid_t child, std::optional<std::chrono::nanoseconds> limit,
               const std::function<void()>& at_exit) {
  auto deadline = limit ? Clock::now() + *limit : Clock::time_point::max();
  bool terminated = false;
  ptrace(PTRACE_CONT, child, nullptr, nullptr);
  for (;;) {
    int status = 0;
    pid_t r = waitpid(child, &status, WNOHANG);
    if (r == 0) {
      if (!terminated && Clock::now() >= deadline) {
        kill(child, SIGTERM);
        terminated = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll with a deadline
      continue;
    }
    if (r < 0) return 1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
      at_exit();
      ptrace(PTRACE_CONT, child, nullptr, nullptr);
      continue;
    }
    // A signal for the command is passed on. A group-stop (the stop that a
    // passed-on SIGSTOP/SIGTSTP causes; GETSIGINFO fails for it) is resumed:
    // re-injecting the signal would loop, and a command stopped under the
    // profiler is not supported.
    siginfo_t info;
    bool group_stop = ptrace(PTRACE_GETSIGINFO, child, nullptr, &info) != 0;
    int sig = WSTOPSIG(status);
    bool pass = !group_stop && sig != SIGTRAP;
    ptrace(PTRACE_CONT, child, nullptr, reinterpret_cast<void*>(static_cast<long>(pass ? sig : 0)));
  }
}

void write_profile(const ksight::agent::UserAllocProfiler& profiler,
                   const std::vector<ksight::agent::StackRecord>& records,
                   ksight::symbolizer::Symbolizer& symbolizer, int64_t start,
                   const std::string& path) {
  auto p = ksight::agent::build_user_alloc_profile(records, symbolizer, profiler.rate(), start,
                                                   now_ns() - start);
  ksight::AtomicFile file(path);
  file.stream() << ksight::exporter::encode_pprof(p);
  file.commit();
  auto c = profiler.counters();
  std::fprintf(
      stderr,
      "wrote %s (%zu samples); lost: %llu (map full %llu, live map full %llu, missed "
      "returns %llu), stack errors %llu\n",
      path.c_str(), p.samples.size(),
      static_cast<unsigned long long>(c.lost_keys_full + c.lost_live_full + c.missed_returns),
      static_cast<unsigned long long>(c.lost_keys_full),
      static_cast<unsigned long long>(c.lost_live_full),
      static_cast<unsigned long long>(c.missed_returns),
      static_cast<unsigned long long>(c.stack_errors));
}

int run_uallocs(const UallocArgs& args) {
  if ((args.pid == 0) == args.command.empty()) throw ksight::Error("give one of -p PID or -c CMD");
  std::optional<std::chrono::nanoseconds> duration;
  if (!args.duration.empty() || args.pid) {
    duration = ksight::parse_duration(args.duration.empty() ? "10s" : args.duration);
    if (!duration || duration->count() <= 0)
      throw ksight::Error("invalid duration '" + args.duration + "'");
  }
  uint64_t rate = parse_bytes(args.sample_bytes);
  auto symbolizer = ksight::symbolizer::make_symbolizer();
  auto& features = ksight::agent::kernel_features();
  int64_t start = now_ns();
  if (args.pid) {
    ksight::agent::UserAllocProfiler profiler({args.pid, rate, 0}, features);
    symbolizer->observe_process(args.pid);  // kept if the process exits early
    std::this_thread::sleep_for(*duration);
    write_profile(profiler, profiler.drain(), *symbolizer, start, args.output);
    return 0;
  }
  pid_t child = start_traced(split_words(args.command));
  std::unique_ptr<ksight::agent::UserAllocProfiler> profiler;
  try {
    profiler = std::make_unique<ksight::agent::UserAllocProfiler>(
        ksight::agent::UserAllocOptions{static_cast<uint32_t>(child), rate,
                                        static_cast<uint32_t>(getpid())},
        features);
  } catch (...) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    throw;
  }
  std::vector<ksight::agent::StackRecord> records;
  int code = run_traced(child, duration, [&] {
    symbolizer->observe_process(static_cast<uint32_t>(child));
    records = profiler->drain();
  });
  std::fprintf(stderr, "command exited with %d\n", code);
  write_profile(*profiler, records, *symbolizer, start, args.output);
  return 0;
}

std::function<int()> setup_uallocs(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "uallocs",
      "User-space allocations (malloc, operator new) by stack, sampled by bytes, as pprof");
  auto args = std::make_shared<UallocArgs>();
  cmd->add_option("-p,--pid", args->pid, "Process to profile");
  cmd->add_option("-c,--command", args->command,
                  "Run this command (split on spaces, no shell) and profile it to its end");
  cmd->add_option("-d,--duration", args->duration,
                  "How long to record (default 10s with -p; with -c a limit, then SIGTERM)");
  cmd->add_option("--sample-bytes", args->sample_bytes,
                  "Mean bytes between samples (default 512KiB; 1: every allocation)");
  cmd->add_option("-o,--output", args->output, "pprof file to write");
  return [args] { return run_uallocs(*args); };
}

}  // namespace

KSIGHT_REGISTER_COMMAND(27, setup_uallocs);
