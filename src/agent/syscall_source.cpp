#include "agent/syscall_source.h"

#include <bpf/bpf.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "agent/bpf_maps.h"
#include "agent/feature_probe.h"
#include "agent/process_table.h"
#include "agent/syscall_aggregator.h"
#include "common/error.h"
#include "syscalls.h"
#include "syscalls.skel.h"

namespace ksight::agent {

namespace {

class SyscallSource : public EventSource {
 public:
  SyscallSource(SourceContext& ctx, SyscallSourceOptions options)
      : ctx_(ctx),
        options_(options),
        counters_(ctx.registry),
        aggregator_(ctx.registry, [this](uint32_t tgid) { return labels_of(tgid); }) {}
  ~SyscallSource() override { stop(); }

  const char* name() const override { return "syscalls"; }

  void start() override {
    skel_ = syscalls_bpf__open();
    if (!skel_) throw CapabilityError("syscalls: cannot open BPF object");
    skel_->rodata->measure_latency = options_.latency;
    skel_->rodata->ignore_tgid = options_.ignore_tgid;
    skel_->rodata->latency_sample_mask = options_.latency_sample ? options_.latency_sample - 1 : 0;
    // One twin pair: tp_btf (task-local timestamps) where it loads, else raw_tp.
    bool btf = kernel_features().has(Feature::kTpBtf);
    bpf_program__set_autoload(skel_->progs.sys_enter_btf, btf);
    bpf_program__set_autoload(skel_->progs.sys_exit_btf, btf && options_.latency);
    bpf_program__set_autoload(skel_->progs.sys_enter_raw, !btf);
    bpf_program__set_autoload(skel_->progs.sys_exit_raw, !btf && options_.latency);
    spdlog::info("syscalls: {} (latency {})",
                 btf ? "tp_btf raw_syscalls, task-local timestamps"
                     : "raw_tp raw_syscalls, tid-keyed timestamps (tp_btf unavailable)",
                 options_.latency ? "on" : "off");
    if (int err = syscalls_bpf__load(skel_)) {
      stop();
      throw CapabilityError(std::string("syscalls: BPF load failed: ") + strerror(-err));
    }
    if (int err = syscalls_bpf__attach(skel_)) {
      stop();
      throw CapabilityError(std::string("syscalls: attach raw_syscalls failed: ") + strerror(-err));
    }
  }

  void stop() override {
    if (skel_) syscalls_bpf__destroy(skel_);
    skel_ = nullptr;
  }

  void collect() override {
    if (!skel_) return;
    auto raw = dump_hash<ksight_syscall_key, uint64_t>(bpf_map__fd(skel_->maps.counts),
                                                       KSIGHT_SYSCALL_COUNT_ENTRIES);
    std::vector<SyscallCount> snapshot;
    snapshot.reserve(raw.size());
    for (const auto& [key, calls] : raw) snapshot.push_back({key.tgid, key.nr, calls});
    counters_.events.inc({name()}, static_cast<double>(aggregator_.apply_counts(snapshot)));
    last_ = std::move(snapshot);
    if (options_.latency) {
      auto slots = sum_percpu_u64_array(bpf_map__fd(skel_->maps.hist),
                                        KSIGHT_SYSCALL_MAX_NR * KSIGHT_SYSCALL_HIST_SLOTS);
      auto sums = sum_percpu_u64_array(bpf_map__fd(skel_->maps.hist_sum), KSIGHT_SYSCALL_MAX_NR);
      aggregator_.apply_histogram(slots, sums, KSIGHT_SYSCALL_HIST_SLOTS,
                                  std::max<uint32_t>(1, options_.latency_sample));
    }
    auto lost = sum_percpu_u64_array(bpf_map__fd(skel_->maps.lost), KSIGHT_SYSCALL_LOST_MAX);
    counters_.lost.set_total({name()}, static_cast<double>(lost[KSIGHT_SYSCALL_LOST_COUNTS_FULL]));
    if (++collects_ % 60 == 0) sweep_dead();
  }

  void forget(const std::vector<uint32_t>& pids) override {
    if (!skel_ || pids.empty()) return;
    std::unordered_set<uint32_t> gone(pids.begin(), pids.end());
    int fd = bpf_map__fd(skel_->maps.counts);
    for (const auto& c : last_) {
      if (!gone.count(c.tgid)) continue;
      ksight_syscall_key key{c.tgid, c.nr};
      bpf_map_delete_elem(fd, &key);
    }
    for (uint32_t pid : gone) aggregator_.forget(pid);
  }

 private:
  ProcessLabels labels_of(uint32_t tgid) {
    if (tgid == 0) return {"swapper", "host"};
    auto info = ctx_.processes.lookup(tgid);
    if (!info) return {"unknown", "unknown"};
    return {info->comm, info->container.label()};
  }

  // Entries of processes whose exit we never saw (lost event, evicted
  // entry) would fill the map: drop those whose /proc entry is gone.
  void sweep_dead() {
    std::vector<uint32_t> dead;
    std::unordered_set<uint32_t> checked;
    for (const auto& c : last_) {
      if (!checked.insert(c.tgid).second || c.tgid == 0) continue;
      std::string path = "/proc/" + std::to_string(c.tgid);
      if (access(path.c_str(), F_OK) != 0 && errno == ENOENT) dead.push_back(c.tgid);
    }
    forget(dead);
  }

  SourceContext& ctx_;
  SyscallSourceOptions options_;
  SourceCounters counters_;
  SyscallAggregator aggregator_;
  syscalls_bpf* skel_ = nullptr;
  std::vector<SyscallCount> last_;
  uint64_t collects_ = 0;
};

}  // namespace

std::unique_ptr<EventSource> make_syscall_source(SourceContext& context,
                                                 SyscallSourceOptions options) {
  return std::make_unique<SyscallSource>(context, options);
}

}  // namespace ksight::agent
