#pragma once
// Function spans: calls of configured user-space functions (timed by
// uprobes, bpf/funcspan.bpf.c) → INTERNAL spans, each under the SERVER span
// its thread was serving during the call when there is one.
//
// The call and the HTTP payloads come through different ring buffers, so a
// call may be read before the request that contains it. A call whose
// thread's payloads are not yet known up to the call's end waits (bounded)
// and is settled on a later on_call/flush: when the tracker has caught up,
// or, at the latest, on the second flush after it arrived (the agent drains
// every ring before each flush) — then with what is known.
//
// Config entry syntax (`--http-function-span`):
//   spec   = binary ":" symbol [ "=" name ]     ; name defaults to symbol
//   binary = absolute path of an executable or shared library
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "otel/http_tracker.h"
#include "otel/span.h"
#include "otel/trace_context.h"

namespace ksight::otel {

struct FunctionSpec {
  std::string binary;
  std::string symbol;
  std::string span_name;
};

// Throws ksight::Error naming the entry and what is wrong with it.
FunctionSpec parse_function_spec(const std::string& text);

// One traced call, as bpf/funcspan.h reports it, or one slow syscall
// (bpf/slowsys.h) when `syscall` is set.
struct FunctionCall {
  uint32_t pid = 0;
  uint32_t tid = 0;
  uint64_t index = 0;  // into the specs
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
  std::string comm{};
  std::string syscall{};  // its name: a slow syscall span, kept only inside a request
  int64_t ret = 0;        // the syscall's return value
};

struct FunctionSpanStats {
  uint64_t spans = 0;
  uint64_t parented = 0;          // under a server span
  uint64_t unsettled = 0;         // emitted before the HTTP side caught up
  uint64_t unknown_index = 0;     // a cookie outside the specs (dropped)
  uint64_t syscalls_outside = 0;  // slow syscalls outside any request (dropped)
  // Calls during several server spans of their thread (an event loop): no
  // parent, and slow syscalls among them dropped.
  uint64_t ambiguous_parents = 0;
};

class FunctionSpans {
 public:
  using LookupFn = std::function<ThreadSpanLookup(uint32_t tid, uint64_t start, uint64_t end)>;
  using ResourceFn = std::function<std::shared_ptr<const Resource>(uint32_t, const std::string&)>;
  using SpanFn = std::function<void(Span&&)>;

  struct Options {
    std::vector<FunctionSpec> specs;
    int64_t boot_to_unix_ns = 0;
    size_t max_waiting = 4096;
    uint64_t id_seed = 0;  // 0: random
  };

  // lookup may be empty (no HTTP source): every span is a root.
  FunctionSpans(Options options, LookupFn lookup, ResourceFn resource, SpanFn on_span);

  void on_call(FunctionCall&& call);
  // Settles what can be; the calls already waiting at the previous flush
  // are emitted now whatever is known.
  void flush();

  size_t waiting() const { return waiting_.size(); }
  const FunctionSpanStats& stats() const { return stats_; }

 private:
  struct Waiting {
    FunctionCall call;
    uint64_t generation;
  };
  bool try_emit(const FunctionCall& call, bool force);
  void emit(const FunctionCall& call, const std::optional<ServerSpanRef>& parent);

  Options options_;
  LookupFn lookup_;
  ResourceFn resource_;
  SpanFn on_span_;
  IdGenerator ids_;
  std::deque<Waiting> waiting_;
  uint64_t generation_ = 0;
  FunctionSpanStats stats_;
};

}  // namespace ksight::otel
