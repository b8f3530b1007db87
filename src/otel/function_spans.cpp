#include "otel/function_spans.h"

#include <random>

#include "common/error.h"

namespace ksight::otel {

FunctionSpec parse_function_spec(const std::string& text) {
  auto fail = [&](const std::string& why) {
    throw Error("function span '" + text + "': " + why +
                " (expected /path/to/binary:symbol[=span name])");
  };
  FunctionSpec spec;
  size_t eq = text.find('=');
  std::string target = text.substr(0, eq);
  size_t colon = target.rfind(':');
  if (colon == std::string::npos) fail("no ':' between binary and symbol");
  spec.binary = target.substr(0, colon);
  spec.symbol = target.substr(colon + 1);
  if (spec.binary.empty() || spec.binary.front() != '/')
    fail("the binary must be an absolute path");
  if (spec.symbol.empty()) fail("empty symbol");
  spec.span_name = eq == std::string::npos ? spec.symbol : text.substr(eq + 1);
  if (spec.span_name.empty()) fail("empty span name after '='");
  return spec;
}

FunctionSpans::FunctionSpans(Options options, LookupFn lookup, ResourceFn resource, SpanFn on_span)
    : options_(std::move(options)),
      lookup_(std::move(lookup)),
      resource_(std::move(resource)),
      on_span_(std::move(on_span)),
      ids_(options_.id_seed ? options_.id_seed : std::random_device{}()) {}

void FunctionSpans::on_call(FunctionCall&& call) {
  if (call.syscall.empty() && call.index >= options_.specs.size()) {
    ++stats_.unknown_index;
    return;
  }
  if (try_emit(call, false)) return;
  if (waiting_.size() >= options_.max_waiting) {
    try_emit(waiting_.front().call, true);
    waiting_.pop_front();
  }
  waiting_.push_back({std::move(call), generation_});
}

void FunctionSpans::flush() {
  std::deque<Waiting> still;
  for (auto& w : waiting_) {
    if (!try_emit(w.call, w.generation < generation_)) still.push_back(std::move(w));
  }
  waiting_.swap(still);
  ++generation_;
}

bool FunctionSpans::try_emit(const FunctionCall& call, bool force) {
  if (!lookup_) {
    emit(call, std::nullopt);
    return true;
  }
  ThreadSpanLookup found = lookup_(call.tid, call.start_ns, call.end_ns);
  if (!found.complete && !force) return false;
  if (!found.complete) ++stats_.unsettled;
  if (found.ambiguous) {
    ++stats_.ambiguous_parents;
    if (!call.syscall.empty()) return true;  // inside a request, but which one
  }
  emit(call, found.span);
  return true;
}

void FunctionSpans::emit(const FunctionCall& call, const std::optional<ServerSpanRef>& parent) {
  // A server blocks in accept/epoll_wait/read between requests: only the
  // slow syscalls of a request say something about it.
  if (!call.syscall.empty() && !parent) {
    ++stats_.syscalls_outside;
    return;
  }
  Span s;
  s.kind = SpanKind::kInternal;
  s.span_id = ids_.span_id();
  if (parent) {
    s.trace_id = parent->trace_id;
    s.parent_span_id = parent->span_id;
    ++stats_.parented;
  } else {
    s.trace_id = ids_.trace_id();
  }
  s.start_unix_ns = call.start_ns + options_.boot_to_unix_ns;
  s.end_unix_ns = std::max(call.end_ns, call.start_ns) + options_.boot_to_unix_ns;
  if (call.syscall.empty()) {
    const FunctionSpec& spec = options_.specs[call.index];
    s.name = spec.span_name;
    s.attributes.push_back({"code.function", spec.symbol});
    s.attributes.push_back({"code.filepath", spec.binary});
  } else {
    s.name = call.syscall;
    s.attributes.push_back({"ksight.syscall.name", call.syscall});
    s.attributes.push_back({"ksight.syscall.return_value", call.ret});
  }
  s.attributes.push_back({"thread.id", int64_t{call.tid}});
  if (resource_) s.resource = resource_(call.pid, call.comm);
  ++stats_.spans;
  if (on_span_) on_span_(std::move(s));
}

}  // namespace ksight::otel
