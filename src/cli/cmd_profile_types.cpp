// `ksight offcpu` and `ksight kallocs`: the profile types of issue 8 beyond
// CPU, for one run, written as pprof (.pb.gz):
//   ksight offcpu  [--pid N] [--duration 10s] [--min-block 1ms] [-o offcpu.pb.gz]
//   ksight kallocs [--pid N] [--duration 10s] [--sample-bytes 256KiB] [-o kallocs.pb.gz]
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "agent/alloc_profiler.h"
#include "agent/feature_probe.h"
#include "agent/offcpu_profiler.h"
#include "cli/command_registry.h"
#include "common/atomic_file.h"
#include "common/byte_size.h"
#include "common/duration.h"
#include "common/error.h"
#include "common/signals.h"
#include "export/pprof_writer.h"
#include "symbolizer/elf_symbolizer.h"

namespace {

struct TypeArgs {
  uint32_t pid = 0;
  std::string duration = "10s";
  std::string min_block = "1ms";
  std::string sample_bytes = "256KiB";
  std::string output;
};

std::chrono::nanoseconds duration_or_throw(const std::string& text, const char* what) {
  auto d = ksight::parse_duration(text);
  if (!d || d->count() <= 0)
    throw ksight::Error(std::string("invalid ") + what + " '" + text + "'");
  return *d;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void write_profile(const ksight::profile::Profile& p, const std::string& path) {
  ksight::AtomicFile file(path);
  file.stream() << ksight::exporter::encode_pprof(p);
  file.commit();
  std::fprintf(stderr, "wrote %s (%zu samples)\n", path.c_str(), p.samples.size());
}

void add_common(CLI::App* cmd, TypeArgs& args, const char* default_output) {
  args.output = default_output;
  cmd->add_option("--pid", args.pid, "Only this process (default: all)");
  cmd->add_option("-d,--duration", args.duration, "How long to record (e.g. 10s)");
  cmd->add_option("-o,--output", args.output, "pprof file to write");
}

std::function<int()> setup_offcpu(CLI::App& app) {
  auto* cmd = app.add_subcommand("offcpu", "Off-CPU (blocked) time by stack, as pprof");
  auto args = std::make_shared<TypeArgs>();
  add_common(cmd, *args, "offcpu.pb.gz");
  cmd->add_option("--min-block", args->min_block, "Ignore blocks shorter than this");
  return [args] {
    auto duration = duration_or_throw(args->duration, "duration");
    auto min_block = duration_or_throw(args->min_block, "minimum block time");
    ksight::agent::OffCpuProfiler profiler(
        {static_cast<uint64_t>(min_block.count()), args->pid, true, true},
        ksight::agent::kernel_features());
    int64_t start = now_ns();
    std::this_thread::sleep_for(duration);
    auto stacks = profiler.drain();
    auto symbolizer = ksight::symbolizer::make_symbolizer();
    write_profile(ksight::agent::build_offcpu_profile(stacks, *symbolizer, start, now_ns() - start),
                  args->output);
    return 0;
  };
}

std::function<int()> setup_kallocs(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "kallocs",
      "Kernel allocations (kmalloc, kmem_cache_alloc) by kernel stack, sampled by bytes, as pprof");
  auto args = std::make_shared<TypeArgs>();
  add_common(cmd, *args, "kallocs.pb.gz");
  cmd->add_option("--sample-bytes", args->sample_bytes,
                  "One sample per this many bytes on average (1: every allocation)");
  return [args] {
    auto duration = duration_or_throw(args->duration, "duration");
    auto rate = ksight::parse_byte_size(args->sample_bytes);
    if (!rate || *rate == 0) {
      throw ksight::Error("invalid --sample-bytes '" + args->sample_bytes +
                          "' (e.g. 262144, 256KiB, 1MiB; 1 samples every allocation)");
    }
    ksight::agent::KernelAllocOptions options;
    options.pid = args->pid;
    options.sample_bytes = *rate;
    options.ring_bytes = 16u << 20;
    // SIGINT/SIGTERM end the recording early; the profile is still written.
    ksight::SignalFd signals({SIGINT, SIGTERM});
    ksight::agent::KernelAllocProfiler profiler(options, ksight::agent::kernel_features());
    int64_t start = now_ns();
    auto until = std::chrono::steady_clock::now() + duration;
    while (!signals.read_signal()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      profiler.poll(static_cast<int>(std::min<int64_t>(left.count(), 100)));
    }
    auto records = profiler.drain();
    auto symbolizer = ksight::symbolizer::make_symbolizer();
    write_profile(ksight::agent::build_kernel_alloc_profile(records, *symbolizer, profiler.rate(),
                                                            start, now_ns() - start),
                  args->output);
    auto c = profiler.counters();
    std::fprintf(stderr,
                 "samples %llu (one per %llu bytes); lost: %llu (ring buffer full %llu, live map "
                 "full %llu, no stack %llu, bad records %llu, skipped in recursion %llu)\n",
                 static_cast<unsigned long long>(c.samples),
                 static_cast<unsigned long long>(profiler.rate()),
                 static_cast<unsigned long long>(c.lost_total()),
                 static_cast<unsigned long long>(c.lost_ringbuf_full),
                 static_cast<unsigned long long>(c.lost_live_full),
                 static_cast<unsigned long long>(c.stack_errors),
                 static_cast<unsigned long long>(c.decode_errors),
                 static_cast<unsigned long long>(c.recursion_misses));
    return 0;
  };
}

}  // namespace

KSIGHT_REGISTER_COMMAND(25, setup_offcpu);
KSIGHT_REGISTER_COMMAND(26, setup_kallocs);
