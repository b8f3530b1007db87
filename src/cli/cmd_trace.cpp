// `ksight trace`: bpftrace-style one-liners compiled in-process to eBPF.
#include <fstream>
#include <iostream>
#include <sstream>

#include "agent/feature_probe.h"
#include "cli/command_registry.h"
#include "common/error.h"
#include "common/signals.h"
#include "trace/driver.h"

namespace {

struct TraceArgs {
  std::string program;
  std::vector<std::string> params;  // $1, $2 ... after the program
  std::string file;
  std::string list;
  bool list_given = false;
  bool verbose = false;
  int pid = -1;
  std::string command;
  std::string format = "text";
  uint32_t ringbuf_bytes = ksight::trace::runtime::kDefaultRingbufBytes;
};

std::string read_program_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ksight::Error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int run_trace_command(const TraceArgs& args) {
  using namespace ksight;
  if (args.list_given) {
    bool user = false;  // ELF listings need no tracefs
    for (const char* prefix : {"uprobe:", "u:", "usdt:", "U:"})
      user = user || args.list.rfind(prefix, 0) == 0;
    std::string tracefs = user ? "" : agent::ensure_tracefs();
    for (const auto& p : trace::list_matching_probes(args.list, tracefs, args.verbose)) {
      std::cout << p << "\n";
    }
    return kExitOk;
  }
  trace::TraceOptions opts;
  opts.program = args.file.empty() ? args.program : read_program_file(args.file);
  if (opts.program.empty()) throw Error("no program: pass 'PROGRAM', -f FILE or -l PATTERN");
  opts.params = args.params;
  // With -f the first word after the options is already $1.
  if (!args.file.empty() && !args.program.empty())
    opts.params.insert(opts.params.begin(), args.program);
  opts.pid = args.pid;
  opts.command = args.command;
  opts.format = args.format == "json" ? trace::runtime::OutputFormat::kJson
                                      : trace::runtime::OutputFormat::kText;
  opts.features = &agent::kernel_features();
  opts.tracefs_root = [] { return agent::ensure_tracefs(); };
  opts.out = &std::cout;
  opts.ringbuf_bytes = args.ringbuf_bytes;
  SignalFd signals({SIGINT, SIGTERM, SIGHUP});
  opts.signals = &signals;
  return trace::run_trace(opts);
}

std::function<int()> setup_trace(CLI::App& app) {
  auto args = std::make_shared<TraceArgs>();
  auto* cmd = app.add_subcommand("trace", "Run a bpftrace-style one-liner (compiled in-process)");
  cmd->add_option(
      "program", args->program,
      "The program, e.g. 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }'");
  cmd->add_option("params", args->params,
                  "Positional parameters $1, $2 ... ($# counts them); put -- before negative "
                  "numbers");
  cmd->add_option("-f,--file", args->file, "Read the program from FILE");
  auto* list =
      cmd->add_option("-l,--list", args->list, "List probes matching PATTERN (wildcards: * ?)")
          ->expected(0, 1);
  cmd->add_flag("-v,--verbose", args->verbose, "With -l: also list each tracepoint's fields");
  cmd->add_option("-p,--pid", args->pid, "Only trace this process");
  cmd->add_option("-c,--command", args->command, "Run CMD, trace it, and stop when it exits");
  cmd->add_option("--format", args->format, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  // Hidden (empty group): tests shrink the buffer to provoke counted losses.
  cmd->add_option("--ringbuf-bytes", args->ringbuf_bytes, "Ring buffer size (power of 2 pages)")
      ->group("")
      ->check(CLI::Range(4096u, 1u << 30));
  return [args, list] {
    args->list_given = list->count() > 0;
    // bpftrace users type `-lv PATTERN`; CLI11 reads that as -l with the
    // value "v" and PATTERN as the program.
    if (args->list_given && args->list == "v" && !args->program.empty()) {
      args->verbose = true;
      args->list = args->program;
    }
    return run_trace_command(*args);
  };
}

}  // namespace

KSIGHT_REGISTER_COMMAND(60, setup_trace);
