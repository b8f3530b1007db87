#include "agent/alloc_profiler.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "agent/bpf_maps.h"
#include "alloc.h"
#include "alloc.skel.h"
#include "common/error.h"

// The record layout the decoder relies on (clang lays it out for BPF).
static_assert(offsetof(ksight_alloc_sample, ptr) == 48);
static_assert(offsetof(ksight_alloc_sample, size) == 56);
static_assert(offsetof(ksight_alloc_sample, flags) == 64);
static_assert(offsetof(ksight_alloc_sample, stack_depth) == 68);
static_assert(offsetof(ksight_alloc_sample, stack) == 72);
static_assert(sizeof(ksight_alloc_sample) == 72 + 8 * KSIGHT_ALLOC_STACK_DEPTH);

namespace ksight::agent {

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  std::string message = what + ": " + strerror(err);
  if (err == EPERM || err == EACCES) {
    throw CapabilityError(message + " (needs CAP_BPF and CAP_PERFMON, or root)");
  }
  throw Error(message);
}

bool power_of_two_pages(uint32_t bytes) {
  return bytes >= 4096 && (bytes & (bytes - 1)) == 0;
}

}  // namespace

KernelAllocProfiler::KernelAllocProfiler(const KernelAllocOptions& options,
                                         KernelFeatures& features)
    : rate_(options.sample_bytes) {
  if (!features.has(Feature::kTracepoint)) {
    throw CapabilityError("kernel allocations need kmem tracepoints: " +
                          features.status(Feature::kTracepoint).detail);
  }
  if (!power_of_two_pages(options.ring_bytes)) {
    throw Error("kernel allocations: ring buffer size " + std::to_string(options.ring_bytes) +
                " is not a power of two of at least 4096 bytes");
  }
  skel_ = alloc_bpf__open();
  if (!skel_) fail("opening the allocation BPF object", errno);
  skel_->rodata->target_tgid = options.pid;
  auto edges = exponential_edges(rate_, KSIGHT_ALLOC_EXP_BINS);
  for (size_t i = 0; i < edges.size(); ++i) skel_->rodata->exp_edges[i] = edges[i];
  bpf_map__set_max_entries(skel_->maps.samples, options.ring_bytes);
  // A sixteenth of the ring: the reader wakes long before it fills, and
  // the agent loop (1 s) and `ksight kallocs` (100 ms) poll on a timer too.
  skel_->rodata->wakeup_bytes = options.ring_bytes / 16;
  int err = alloc_bpf__load(skel_);
  if (err == 0) err = alloc_bpf__attach(skel_);
  if (err == 0) {
    ring_ = ring_buffer__new(bpf_map__fd(skel_->maps.samples), &KernelAllocProfiler::on_record,
                             this, nullptr);
    if (!ring_) err = -errno;
  }
  if (err != 0) {
    alloc_bpf__destroy(skel_);
    skel_ = nullptr;
    fail("loading the kernel allocation profiler", -err);
  }
}

KernelAllocProfiler::~KernelAllocProfiler() {
  if (ring_) ring_buffer__free(ring_);
  if (skel_) alloc_bpf__destroy(skel_);
}

int KernelAllocProfiler::poll_fd() const {
  return ring_buffer__epoll_fd(ring_);
}
int KernelAllocProfiler::consume() {
  return ring_buffer__consume(ring_);
}
int KernelAllocProfiler::poll(int timeout_ms) {
  return ring_buffer__poll(ring_, timeout_ms);
}

int KernelAllocProfiler::on_record(void* self, void* data, size_t size) {
  auto* p = static_cast<KernelAllocProfiler*>(self);
  if (size < sizeof(ksight_alloc_sample)) {
    ++p->decode_errors_;
    return 0;
  }
  ksight_alloc_sample s;
  std::memcpy(&s, data, sizeof(s));
  if (s.hdr.type != KSIGHT_EVENT_KALLOC_SAMPLE || s.hdr.size != sizeof(s)) {
    ++p->decode_errors_;
    return 0;
  }
  ++p->samples_;
  size_t depth = s.stack_depth > 0 ? std::min<size_t>(s.stack_depth, KSIGHT_ALLOC_STACK_DEPTH) : 0;
  KernelAllocAggregator::Sample sample;
  sample.pid = s.hdr.pid;
  sample.comm = std::string_view(s.hdr.comm, strnlen(s.hdr.comm, sizeof(s.hdr.comm)));
  sample.stack = std::span<const uint64_t>(reinterpret_cast<const uint64_t*>(s.stack), depth);
  sample.size = s.size;
  sample.ptr = s.ptr;
  sample.stamp = s.hdr.timestamp_ns;
  sample.tracked = !(s.flags & KSIGHT_ALLOC_UNTRACKED);
  p->aggregator_.add(sample);
  return 0;
}

std::vector<AllocCount> KernelAllocProfiler::drain_counts() {
  consume();  // every record whose pointer may be in the live map below
  auto entries = dump_hash<uint64_t, uint64_t>(bpf_map__fd(skel_->maps.live), KSIGHT_ALLOC_LIVE);
  std::unordered_map<uint64_t, uint64_t> live(entries.begin(), entries.end());
  return aggregator_.take(live);
}

KernelAllocCounters KernelAllocProfiler::counters() const {
  auto sums = sum_percpu_u64_array(bpf_map__fd(skel_->maps.lost), KSIGHT_ALLOC_LOSS_MAX);
  KernelAllocCounters c;
  c.samples = samples_;
  c.lost_ringbuf_full = sums[KSIGHT_ALLOC_LOSS_RINGBUF_FULL];
  c.lost_live_full = sums[KSIGHT_ALLOC_LOSS_LIVE_FULL];
  c.stack_errors = sums[KSIGHT_ALLOC_LOSS_STACK];
  c.decode_errors = decode_errors_;
  for (bpf_program* prog : {skel_->progs.alloc_kmalloc, skel_->progs.alloc_cache_alloc,
                            skel_->progs.alloc_kfree, skel_->progs.alloc_cache_free}) {
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0)
      c.recursion_misses += info.recursion_misses;
  }
  return c;
}

profile::Profile build_kernel_alloc_profile(const std::vector<StackRecord>& records,
                                            symbolizer::Symbolizer& symbolizer, uint64_t rate,
                                            int64_t time_nanos, int64_t duration_nanos) {
  return build_alloc_profile(records, symbolizer, rate, time_nanos, duration_nanos);
}

}  // namespace ksight::agent
