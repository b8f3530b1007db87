#pragma once
// Pass: one concrete probe -> one eBPF program, as instructions (no LLVM; see
// ../README.md). Maps are referenced through relocations that the loader
// patches with real fds, so the output is deterministic and unit-testable.
#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "trace/codegen/insn_builder.h"
#include "trace/probes.h"
#include "trace/program_info.h"

namespace ksight::trace::codegen {

// Bytes of the per-CPU scratch value (strings, keys, records live there).
constexpr uint32_t kScratchSize = 8192;
// The last 8 bytes of each CPU's scratch value count ring-buffer records
// that did not fit (bpf_ringbuf_output < 0). Per-CPU, so no other CPU
// contends for the line; user space sums them at exit ("Lost N events").
constexpr int32_t kLostCounterOffset = kScratchSize - 8;

struct CodegenOptions {
  int64_t filter_pid = -1;  // -p: only events of this process (tgid)
  uint64_t start_ns = 0;    // CLOCK_MONOTONIC at start, for `elapsed`
  int64_t child_pid = 0;    // -c command pid, for `cpid`
  // Possible CPUs: reading a per-CPU aggregation (@x = count()) in an
  // expression sums every CPU's value. 0: only this CPU's (unit tests).
  int ncpus = 0;
};

struct ProbeProgram {
  std::string name;  // canonical attach point, also `probe`
  bpf_prog_type type = BPF_PROG_TYPE_UNSPEC;
  std::vector<bpf_insn> insns;
  std::vector<MapReloc> relocs;
  std::vector<ast::Location> locations;  // per instruction
};

bpf_prog_type program_type(ProbeType probe);

// `info` must come from analyse_program(); the probe is re-analysed here so
// its node types match this concrete attach point. Throws CompileError.
ProbeProgram generate(const ConcreteProbe& probe, std::string_view source, ProgramInfo& info,
                      const CodegenOptions& options);

}  // namespace ksight::trace::codegen
