#pragma once
// Attach points: parsing "provider:target:func" into a typed spec, and
// expanding wildcards into one concrete probe per matching tracepoint.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/feature_probe.h"
#include "trace/ast/ast.h"
#include "trace/tracefs.h"

namespace ksight::trace {

enum class ProbeType {
  kBegin,
  kEnd,
  kTracepoint,
  kRawTracepoint,
  kUprobe,
  kUretprobe,
  kUsdt,
  kProfile,
  kInterval,
  kKprobe,
  kKretprobe,
  kFentry,
  kFexit,
};

std::string_view probe_type_name(ProbeType type);

struct AttachSpec {
  ProbeType type = ProbeType::kBegin;
  std::string target;      // tracepoint category, binary path, "hz"/"s"/"ms"
  std::string func;        // tracepoint/function/usdt name
  uint64_t number = 0;     // profile hz, interval period in ns
  uint64_t count = 0;      // the number as written (interval:ms:100 -> 100)
  uint64_t offset = 0;     // uprobe:/path:func+0x10, checked against func's size
  uint64_t usdt_site = 0;  // usdt: file offset of this site (one spec per site)
  std::string usdt_args;   // usdt: the site's argument specs (usdt_args.h)
  ast::Location loc;
  TracepointFormat format;   // tracepoints only
  std::string name() const;  // canonical, e.g. "tracepoint:syscalls:sys_enter_read"
};

// Splits one attach point as written; throws CompileError.
AttachSpec parse_attach_point(const ast::AttachPoint& ap, std::string_view source);

// A probe block bound to one concrete attach point.
struct ConcreteProbe {
  AttachSpec spec;
  ast::Probe* probe = nullptr;
};

struct ProbeEnvironment {
  TracepointSource* tracepoints = nullptr;  // null: tracefs unavailable
  agent::KernelFeatures* features = nullptr;
  std::string tracefs_error;  // why tracepoints is null
};

// Expands wildcards, loads tracepoint formats and refuses probe types the
// kernel cannot attach (with the feature probe's reason).
std::vector<ConcreteProbe> resolve_probes(const ast::Program& program, std::string_view source,
                                          ProbeEnvironment& env);

// Tracepoints matching "tracepoint:cat:name" style patterns (for -l).
std::vector<std::string> list_probes(std::string_view pattern, TracepointSource& tracepoints);

}  // namespace ksight::trace
