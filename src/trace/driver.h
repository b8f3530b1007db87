#pragma once
// The `ksight trace` pipeline, in order, in one place:
//
//   parse (lexer + parser)  ->  resolve_probes (attach points, wildcards,
//   tracepoint formats, kernel support)  ->  analyse_program (types, maps,
//   printf formats)  ->  codegen::generate (one eBPF program per probe)  ->
//   runtime::run_session (maps, load, BEGIN, attach, loop, END, print).
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/signals.h"
#include "trace/codegen/codegen.h"
#include "trace/probes.h"
#include "trace/program_info.h"
#include "trace/runtime/loader.h"
#include "trace/runtime/output.h"

namespace ksight::trace {

struct Compilation {
  std::string source;
  ast::Arena arena;
  ast::Program program;
  std::vector<ConcreteProbe> probes;
  ProgramInfo info;
  std::vector<codegen::ProbeProgram> programs;
};

// Everything up to (not including) loading; throws CompileError. `params`
// are the positional parameters ($1 is params[0]).
std::unique_ptr<Compilation> compile(std::string source, ProbeEnvironment& env,
                                     const codegen::CodegenOptions& options,
                                     const std::vector<std::string>& params = {});

struct TraceOptions {
  std::string program;
  std::vector<std::string> params;  // $1, $2 ...
  int pid = -1;
  std::string command;  // -c: run through /bin/sh -c, traced, exit when it exits
  runtime::OutputFormat format = runtime::OutputFormat::kText;
  agent::KernelFeatures* features = nullptr;
  std::function<std::string()> tracefs_root;  // mounts tracefs when needed; "" if impossible
  std::ostream* out = nullptr;
  SignalFd* signals = nullptr;
  uint32_t ringbuf_bytes = runtime::kDefaultRingbufBytes;
};

int run_trace(const TraceOptions& options);

// `-l PATTERN`: matching probes, one per line: tracepoints (with their
// fields, indented, when `verbose`), uprobe:PATH:FUNC and usdt:PATH:PROV:NAME.
std::vector<std::string> list_matching_probes(const std::string& pattern,
                                              const std::string& tracefs_root, bool verbose);

}  // namespace ksight::trace
