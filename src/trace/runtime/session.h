#pragma once
// Runs a compiled one-liner: creates maps, loads every probe's program, runs
// BEGIN, attaches, then waits on the ring buffer, the signal fd, interval
// timers and the -c child in one epoll loop. Stops on exit(), a signal or the
// child's exit; then detaches, runs END and prints the maps.
#include <sys/types.h>

#include <ostream>
#include <string_view>
#include <vector>

#include "common/signals.h"
#include "trace/codegen/codegen.h"
#include "trace/probes.h"
#include "trace/runtime/loader.h"
#include "trace/runtime/output.h"

namespace ksight::trace::runtime {

struct SessionOptions {
  OutputFormat format = OutputFormat::kText;
  int filter_pid = -1;  // -p, or the -c child
  pid_t child = -1;     // -c: started, waiting for `child_go_fd` to close
  int child_go_fd = -1;
  std::ostream* out = nullptr;
  SignalFd* signals = nullptr;
  uint32_t ringbuf_bytes = kDefaultRingbufBytes;
};

struct CompiledProgram {
  std::string_view source;
  ProgramInfo* info = nullptr;
  std::vector<ConcreteProbe> probes;
  std::vector<codegen::ProbeProgram> programs;  // one per probe, same order
  TracepointSource* tracepoints = nullptr;
};

// Returns the exit code.
int run_session(CompiledProgram& program, const SessionOptions& options);

}  // namespace ksight::trace::runtime
