#include "agent/kmem_source.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "agent/bpf_maps.h"
#include "agent/process_table.h"
#include "common/error.h"
#include "kmem.h"
#include "kmem.skel.h"

namespace ksight::agent {

namespace {

constexpr const char* kKindNames[KSIGHT_KMEM_KIND_MAX] = {"kmalloc", "kfree", "kmem_cache_alloc",
                                                          "kmem_cache_free", "mm_page_alloc"};

class KmemSource : public EventSource {
 public:
  KmemSource(SourceContext& ctx, KmemSourceOptions options)
      : ctx_(ctx),
        options_(options),
        counters_(ctx.registry),
        calls_(ctx.registry.counter("ksight_kmem_calls_total",
                                    "Kernel memory allocator calls by kind, process and container.",
                                    {"kind", "comm", "container_id"})),
        kmalloc_bytes_(ctx.registry.counter(
            "ksight_kmalloc_bytes_total", "Bytes handed out by kmalloc, by process and container.",
            {"comm", "container_id"})),
        cache_bytes_(ctx.registry.counter("ksight_kmem_cache_alloc_bytes_total",
                                          "Bytes handed out by kmem_cache_alloc, by process and "
                                          "container.",
                                          {"comm", "container_id"})),
        page_bytes_(ctx.registry.counter("ksight_page_alloc_bytes_total",
                                         "Bytes of pages allocated (mm_page_alloc), by process "
                                         "and container.",
                                         {"comm", "container_id"})),
        site_bytes_(ctx.registry.counter("ksight_kmalloc_call_site_bytes_total",
                                         "Bytes allocated by kmalloc and kmem_cache_alloc per "
                                         "calling kernel function.",
                                         {"kind", "call_site"})) {}
  ~KmemSource() override { stop(); }

  const char* name() const override { return "kmem"; }

  void start() override {
    skel_ = kmem_bpf__open();
    if (!skel_) throw CapabilityError("kmem: cannot open BPF object");
    skel_->rodata->by_call_site = options_.by_call_site;
    if (int err = kmem_bpf__load(skel_)) {
      stop();
      throw CapabilityError(std::string("kmem: BPF load failed: ") + strerror(-err));
    }
    if (int err = kmem_bpf__attach(skel_)) {
      stop();
      throw CapabilityError(std::string("kmem: attach kmem tracepoints failed: ") + strerror(-err));
    }
    if (options_.by_call_site) {
      std::ifstream in("/proc/kallsyms");
      std::stringstream ss;
      ss << in.rdbuf();
      symbols_.load(ss.str());
    }
  }

  void stop() override {
    if (skel_) kmem_bpf__destroy(skel_);
    skel_ = nullptr;
  }

  void collect() override {
    if (!skel_) return;
    collect_by_proc();
    if (options_.by_call_site) collect_by_site();
    auto lost = sum_percpu_u64_array(bpf_map__fd(skel_->maps.lost), KSIGHT_KMEM_LOST_MAX);
    counters_.lost.set_total({name()}, static_cast<double>(lost[KSIGHT_KMEM_LOST_PROC_FULL]));
  }

  void forget(const std::vector<uint32_t>& pids) override {
    if (!skel_) return;
    int fd = bpf_map__fd(skel_->maps.by_proc);
    for (uint32_t pid : pids) {
      for (uint32_t kind = 0; kind < KSIGHT_KMEM_KIND_MAX; ++kind) {
        ksight_kmem_key key{pid, kind};
        bpf_map_delete_elem(fd, &key);
        prev_proc_.erase({pid, kind});
      }
    }
  }

 private:
  // Delta since the last snapshot (the kernel keeps running totals).
  template <typename Key>
  static ksight_kmem_value delta(std::map<Key, ksight_kmem_value>& prev, const Key& key,
                                 const ksight_kmem_value& now) {
    ksight_kmem_value& p = prev[key];
    ksight_kmem_value d{now.calls >= p.calls ? now.calls - p.calls : now.calls,
                        now.bytes >= p.bytes ? now.bytes - p.bytes : now.bytes};
    p = now;
    return d;
  }

  void collect_by_proc() {
    auto entries = dump_hash<ksight_kmem_key, ksight_kmem_value>(bpf_map__fd(skel_->maps.by_proc),
                                                                 KSIGHT_KMEM_PROC_ENTRIES);
    uint64_t events = 0;
    for (const auto& [key, value] : entries) {
      if (key.kind >= KSIGHT_KMEM_KIND_MAX) continue;
      auto d = delta(prev_proc_, std::pair<uint32_t, uint32_t>{key.tgid, key.kind}, value);
      if (d.calls == 0) continue;
      events += d.calls;
      auto [comm, container] = labels_of(key.tgid);
      calls_.inc({kKindNames[key.kind], comm, container}, static_cast<double>(d.calls));
      double bytes = static_cast<double>(d.bytes);
      if (key.kind == KSIGHT_KMEM_KMALLOC) kmalloc_bytes_.inc({comm, container}, bytes);
      if (key.kind == KSIGHT_KMEM_CACHE_ALLOC) cache_bytes_.inc({comm, container}, bytes);
      if (key.kind == KSIGHT_KMEM_PAGE_ALLOC) page_bytes_.inc({comm, container}, bytes);
    }
    counters_.events.inc({name()}, static_cast<double>(events));
  }

  void collect_by_site() {
    auto entries = dump_hash<ksight_kmem_site_key, ksight_kmem_value>(
        bpf_map__fd(skel_->maps.by_site), KSIGHT_KMEM_SITE_ENTRIES);
    std::vector<std::pair<uint64_t, std::pair<std::string, std::string>>> deltas;
    for (const auto& [key, value] : entries) {
      if (key.kind >= KSIGHT_KMEM_KIND_MAX) continue;
      auto d = delta(prev_site_, std::pair<uint64_t, uint32_t>{key.call_site, key.kind}, value);
      if (d.bytes)
        deltas.push_back({d.bytes, {kKindNames[key.kind], symbols_.function(key.call_site)}});
    }
    std::sort(deltas.begin(), deltas.end(), [](auto& a, auto& b) { return a.first > b.first; });
    for (const auto& [bytes, labels] : deltas) {
      site_bytes_.inc({labels.first, labels.second}, static_cast<double>(bytes));
    }
  }

  std::pair<std::string, std::string> labels_of(uint32_t tgid) {
    if (tgid == 0) return {"swapper", "host"};
    auto info = ctx_.processes.lookup(tgid);
    if (!info) return {"unknown", "unknown"};
    return {info->comm, info->container.label()};
  }

  SourceContext& ctx_;
  KmemSourceOptions options_;
  SourceCounters counters_;
  metrics::Counter& calls_;
  metrics::Counter& kmalloc_bytes_;
  metrics::Counter& cache_bytes_;
  metrics::Counter& page_bytes_;
  metrics::Counter& site_bytes_;
  KernelSymbols symbols_;
  kmem_bpf* skel_ = nullptr;
  std::map<std::pair<uint32_t, uint32_t>, ksight_kmem_value> prev_proc_;
  std::map<std::pair<uint64_t, uint32_t>, ksight_kmem_value> prev_site_;
};

}  // namespace

void KernelSymbols::load(const std::string& text) {
  symbols_.clear();
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string addr, type, name;
    if (!(fields >> addr >> type >> name)) continue;
    if (type != "t" && type != "T") continue;
    uint64_t a = std::strtoull(addr.c_str(), nullptr, 16);
    if (a) symbols_.push_back({a, name});
  }
  std::sort(symbols_.begin(), symbols_.end());
}

std::string KernelSymbols::function(uint64_t addr) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), addr,
                             [](uint64_t a, const auto& s) { return a < s.first; });
  if (it == symbols_.begin()) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(addr));
    return buf;
  }
  return std::prev(it)->second;
}

std::unique_ptr<EventSource> make_kmem_source(SourceContext& context, KmemSourceOptions options) {
  return std::make_unique<KmemSource>(context, options);
}

}  // namespace ksight::agent
