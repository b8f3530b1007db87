#pragma once
// Function spans source (bpf/funcspan.bpf.c): a uprobe/uretprobe pair per
// configured {binary, symbol}, attached for every process that maps the
// binary (uprobes are per inode), the attach cookie naming the entry. Calls
// become INTERNAL spans (otel::FunctionSpans) under the HTTP source's
// server span of the same thread, exported with the HTTP spans through
// the HttpTap.
//
//   uprobe/uretprobe ─▶ ring buffer ─▶ decode_function_call ─▶ FunctionSpans ─▶ HttpTap::emit
//                                                                  ▲
//                                  HttpTracker::server_span_during ┘
//
// Slow syscalls (bpf/slowsys.bpf.c, optional) take the same way: the
// processes that serve HTTP (HttpTracker::server_pids, synced into a BPF
// map on each collect) report syscalls slower than the threshold, which
// become INTERNAL spans named after the syscall when they fall in a request.
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agent/event_source.h"
#include "agent/http_source.h"
#include "otel/function_spans.h"

namespace ksight::agent {

struct FunctionSpanSourceOptions {
  std::vector<otel::FunctionSpec> specs;
  std::shared_ptr<HttpTap> tap;                      // empty or unset: spans are only counted
  std::map<std::string, std::string> service_names;  // as HttpSourceOptions
  otel::ExtraAttributes resource_attributes;         // as HttpSourceOptions
  uint64_t slow_syscall_ns = 0;                      // 0: no slow syscall spans
};

std::unique_ptr<EventSource> make_function_span_source(SourceContext& context,
                                                       FunctionSpanSourceOptions options);

// One ring-buffer record → call (bpf/funcspan.h).
std::optional<otel::FunctionCall> decode_function_call(std::span<const uint8_t> record);
// One ring-buffer record → slow syscall (bpf/slowsys.h), named.
std::optional<otel::FunctionCall> decode_slow_syscall(std::span<const uint8_t> record);

}  // namespace ksight::agent
