#include "agent/offcpu_profiler.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "agent/bpf_maps.h"
#include "common/error.h"
#include "offcpu.h"
#include "offcpu.skel.h"
#include "profile/profile_assembler.h"

namespace ksight::agent {

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  std::string message = what + ": " + strerror(err);
  if (err == EPERM || err == EACCES) {
    throw CapabilityError(message + " (needs CAP_BPF and CAP_PERFMON, or root)");
  }
  throw Error(message);
}

// Return addresses point after the call; symbolize the call itself.
uint64_t lookup_address(uint64_t address, size_t index) {
  return index == 0 || address == 0 ? address : address - 1;
}

// The tracing machinery above the hooked kernel function (the BPF program,
// bpf_trace_run*, perf_trace_*) is not where the task blocked or allocated.
bool tracing_frame(const symbolizer::SymbolizedAddress& a) {
  if (a.frames.empty()) return false;
  const std::string& f = a.frames.back().function;
  return f.rfind("bpf_prog_", 0) == 0 || f.rfind("bpf_trace_run", 0) == 0 ||
         f.rfind("__bpf_trace_", 0) == 0 || f.rfind("perf_trace_", 0) == 0 ||
         f.rfind("trace_call_bpf", 0) == 0 || f.rfind("__traceiter_", 0) == 0;
}

}  // namespace

OffCpuProfiler::OffCpuProfiler(const OffCpuOptions& options, KernelFeatures& features) {
  skel_ = offcpu_bpf__open();
  if (!skel_) fail("opening the off-CPU BPF object", errno);
  skel_->rodata->min_ns = options.min_ns;
  skel_->rodata->target_tgid = options.pid;
  skel_->rodata->kernel_stacks = options.kernel_stacks;
  skel_->rodata->user_stacks = options.user_stacks;
  auto tp_btf = features.status(Feature::kTpBtf);
  attach_mode_ = tp_btf.available ? "tp_btf" : "raw_tp";
  if (!tp_btf.available) {
    spdlog::info("off-CPU: using raw_tp/sched_switch ({})", tp_btf.detail);
  }
  bpf_program__set_autoload(skel_->progs.offcpu_switch_btf, tp_btf.available);
  bpf_program__set_autoload(skel_->progs.offcpu_switch_raw, !tp_btf.available);
  if (int err = offcpu_bpf__load(skel_); err != 0) {
    offcpu_bpf__destroy(skel_);
    skel_ = nullptr;
    fail("loading the off-CPU BPF program", -err);
  }
  if (int err = offcpu_bpf__attach(skel_); err != 0) {
    offcpu_bpf__destroy(skel_);
    skel_ = nullptr;
    fail("attaching the off-CPU program to sched_switch", -err);
  }
}

OffCpuProfiler::~OffCpuProfiler() {
  if (skel_) offcpu_bpf__destroy(skel_);
}

std::vector<uint64_t> OffCpuProfiler::stack(int32_t id) {
  return read_stack_trace(bpf_map__fd(skel_->maps.stacks), id, KSIGHT_OFFCPU_STACK_DEPTH);
}

std::vector<OffCpuStack> OffCpuProfiler::drain() {
  int counts_fd = bpf_map__fd(skel_->maps.counts);
  std::vector<ksight_offcpu_key> keys;
  ksight_offcpu_key key{}, next{};
  void* prev = nullptr;
  while (bpf_map_get_next_key(counts_fd, prev, &next) == 0) {
    keys.push_back(next);
    key = next;
    prev = &key;
  }
  std::vector<OffCpuStack> out;
  std::set<uint32_t> stack_ids;
  for (const auto& k : keys) {
    ksight_offcpu_value value{};
    if (bpf_map_lookup_and_delete_elem(counts_fd, &k, &value) != 0 &&
        (bpf_map_lookup_elem(counts_fd, &k, &value) != 0 ||
         bpf_map_delete_elem(counts_fd, &k) != 0)) {
      continue;
    }
    OffCpuStack s;
    s.pid = k.tgid;
    s.comm = std::string(k.comm, strnlen(k.comm, sizeof(k.comm)));
    s.kernel = stack(k.kernel_stack_id);
    s.user = stack(k.user_stack_id);
    s.total_ns = value.total_ns;
    s.count = value.count;
    out.push_back(std::move(s));
    if (k.kernel_stack_id >= 0) stack_ids.insert(k.kernel_stack_id);
    if (k.user_stack_id >= 0) stack_ids.insert(k.user_stack_id);
  }
  // Stack ids are reused only after deletion: drop what this drain used so
  // the stack map does not fill up over a long run.
  for (uint32_t id : stack_ids) bpf_map_delete_elem(bpf_map__fd(skel_->maps.stacks), &id);
  return out;
}

OffCpuCounters OffCpuProfiler::counters() const {
  OffCpuCounters c;
  int fd = bpf_map__fd(skel_->maps.lost);
  int cpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> values(cpus > 0 ? cpus : 1);
  uint64_t* fields[] = {&c.lost_threads_full, &c.lost_keys_full, &c.stack_errors};
  for (uint32_t i = 0; i < KSIGHT_OFFCPU_LOSS_MAX; ++i) {
    if (bpf_map_lookup_elem(fd, &i, values.data()) != 0) continue;
    for (uint64_t v : values) *fields[i] += v;
  }
  return c;
}

void add_stack_samples(profile::Profile& p, const std::vector<StackRecord>& records,
                       symbolizer::Symbolizer& symbolizer) {
  std::set<uint64_t> kernel_set;
  std::map<uint32_t, std::set<uint64_t>> user_sets;
  for (const auto& s : records) {
    for (size_t i = 0; i < s.kernel.size(); ++i) kernel_set.insert(lookup_address(s.kernel[i], i));
    for (size_t i = 0; i < s.user.size(); ++i)
      user_sets[s.pid].insert(lookup_address(s.user[i], i));
  }
  auto table = [](const std::set<uint64_t>& set, auto&& resolve) {
    std::vector<uint64_t> list(set.begin(), set.end());
    auto resolved = resolve(list);
    std::map<uint64_t, symbolizer::SymbolizedAddress> out;
    for (size_t i = 0; i < list.size(); ++i) {
      symbolizer::SymbolizedAddress a;
      if (i < resolved.size()) {
        a = std::move(resolved[i]);
      } else {  // a symbolizer that answered short must not make frames vanish
        a.address = list[i];
        a.frames.push_back({"[unknown]", "[unknown]", "", 0});
      }
      out.emplace(list[i], std::move(a));
    }
    return out;
  };
  auto kernel = table(kernel_set, [&](auto& l) { return symbolizer.symbolize_kernel(l); });
  std::map<uint32_t, std::map<uint64_t, symbolizer::SymbolizedAddress>> user;
  for (const auto& [pid, set] : user_sets) {
    user[pid] = table(set, [&, pid = pid](auto& l) { return symbolizer.symbolize_user(pid, l); });
  }
  profile::ProfileAssembler assembler(p);
  for (const auto& s : records) {
    profile::Sample sample;
    bool leading = true;
    for (size_t i = 0; i < s.kernel.size(); ++i) {
      uint64_t a = lookup_address(s.kernel[i], i);
      const auto& symbolized = kernel.at(a);
      if (leading && tracing_frame(symbolized)) continue;
      leading = false;
      sample.location_ids.push_back(assembler.location_for(0, a, symbolized, true));
    }
    for (size_t i = 0; i < s.user.size(); ++i) {
      uint64_t a = lookup_address(s.user[i], i);
      sample.location_ids.push_back(assembler.location_for(s.pid, a, user[s.pid].at(a), false));
    }
    sample.values = s.values;
    sample.labels.push_back({"comm", s.comm, 0, "", false});
    sample.labels.push_back({"pid", "", static_cast<int64_t>(s.pid), "", true});
    p.samples.push_back(std::move(sample));
  }
}

profile::Profile build_offcpu_profile(const std::vector<OffCpuStack>& stacks,
                                      symbolizer::Symbolizer& symbolizer, int64_t time_nanos,
                                      int64_t duration_nanos) {
  profile::Profile p;
  p.sample_types = {{"samples", "count"}, {"off_cpu", "nanoseconds"}};
  p.period_type = {"off_cpu", "nanoseconds"};
  p.period = 1;
  p.default_sample_type = "off_cpu";
  p.time_nanos = time_nanos;
  p.duration_nanos = duration_nanos;
  std::vector<StackRecord> records;
  for (const auto& s : stacks) {
    records.push_back({s.pid,
                       s.comm,
                       s.kernel,
                       s.user,
                       {static_cast<int64_t>(s.count), static_cast<int64_t>(s.total_ns)}});
  }
  add_stack_samples(p, records, symbolizer);
  return p;
}

}  // namespace ksight::agent
