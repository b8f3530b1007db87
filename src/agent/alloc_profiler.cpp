#include "agent/alloc_profiler.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

#include "agent/bpf_maps.h"
#include "alloc.h"
#include "alloc.skel.h"
#include "common/error.h"

namespace ksight::agent {

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  std::string message = what + ": " + strerror(err);
  if (err == EPERM || err == EACCES) {
    throw CapabilityError(message + " (needs CAP_BPF and CAP_PERFMON, or root)");
  }
  throw Error(message);
}

}  // namespace

KernelAllocProfiler::KernelAllocProfiler(const KernelAllocOptions& options,
                                         KernelFeatures& features) {
  if (!features.has(Feature::kTracepoint)) {
    throw CapabilityError("kernel allocations need kmem tracepoints: " +
                          features.status(Feature::kTracepoint).detail);
  }
  skel_ = alloc_bpf__open();
  if (!skel_) fail("opening the allocation BPF object", errno);
  skel_->rodata->target_tgid = options.pid;
  int err = alloc_bpf__load(skel_);
  if (err == 0) err = alloc_bpf__attach(skel_);
  if (err != 0) {
    alloc_bpf__destroy(skel_);
    skel_ = nullptr;
    fail("loading the kernel allocation profiler", -err);
  }
}

KernelAllocProfiler::~KernelAllocProfiler() {
  if (skel_) alloc_bpf__destroy(skel_);
}

std::vector<uint64_t> KernelAllocProfiler::stack(int32_t id) {
  return read_stack_trace(bpf_map__fd(skel_->maps.stacks), id, KSIGHT_ALLOC_STACK_DEPTH);
}

std::vector<StackRecord> KernelAllocProfiler::drain() {
  int fd = bpf_map__fd(skel_->maps.counts);
  std::vector<ksight_alloc_key> keys;
  ksight_alloc_key key{}, next{};
  void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    keys.push_back(next);
    key = next;
    prev = &key;
  }
  std::vector<StackRecord> out;
  for (const auto& k : keys) {
    ksight_alloc_value v{};
    if (bpf_map_lookup_elem(fd, &k, &v) != 0) continue;
    // A stack with nothing outstanding leaves the map: otherwise the map
    // (KSIGHT_ALLOC_KEYS entries) fills within a minute on a busy node and
    // every new stack is lost. The atomic lookup-and-delete keeps what was
    // allocated since the read above.
    bool retire = v.inuse_objects <= 0 && bpf_map_lookup_and_delete_elem(fd, &k, &v) == 0;
    std::string comm(k.comm, strnlen(k.comm, sizeof(k.comm)));
    auto last_key = std::make_tuple(k.tgid, k.kernel_stack_id, comm);
    auto& last = last_[last_key];
    int64_t objects = static_cast<int64_t>(v.alloc_objects - last.first);
    int64_t bytes = static_cast<int64_t>(v.alloc_bytes - last.second);
    last = {v.alloc_objects, v.alloc_bytes};
    if (retire) last_.erase(last_key);
    if (objects == 0 && v.inuse_objects <= 0) continue;
    out.push_back({k.tgid,
                   comm,
                   stack(k.kernel_stack_id),
                   {},
                   {objects, bytes, std::max<int64_t>(v.inuse_objects, 0),
                    std::max<int64_t>(v.inuse_bytes, 0)}});
  }
  return out;
}

KernelAllocCounters KernelAllocProfiler::counters() const {
  KernelAllocCounters c;
  int fd = bpf_map__fd(skel_->maps.lost);
  int cpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> values(cpus > 0 ? cpus : 1);
  uint64_t* fields[] = {&c.lost_keys_full, &c.stack_errors};
  for (uint32_t i = 0; i < KSIGHT_ALLOC_LOSS_MAX; ++i) {
    if (bpf_map_lookup_elem(fd, &i, values.data()) != 0) continue;
    for (uint64_t v : values) *fields[i] += v;
  }
  return c;
}

profile::Profile build_kernel_alloc_profile(const std::vector<StackRecord>& records,
                                            symbolizer::Symbolizer& symbolizer, int64_t time_nanos,
                                            int64_t duration_nanos) {
  profile::Profile p;
  p.sample_types = {{"alloc_objects", "count"},
                    {"alloc_space", "bytes"},
                    {"inuse_objects", "count"},
                    {"inuse_space", "bytes"}};
  p.period_type = {"space", "bytes"};
  p.period = 1;
  p.default_sample_type = "alloc_space";
  p.time_nanos = time_nanos;
  p.duration_nanos = duration_nanos;
  add_stack_samples(p, records, symbolizer);
  return p;
}

}  // namespace ksight::agent
