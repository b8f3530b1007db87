#pragma once
// Kernel memory source (bpf/kmem.bpf.c): kmalloc/kfree/kmem_cache_*/page
// allocations by process and by call site, aggregated in kernel maps.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/event_source.h"

namespace ksight::agent {

struct KmemSourceOptions {
  bool by_call_site = true;
};

std::unique_ptr<EventSource> make_kmem_source(SourceContext& context,
                                              KmemSourceOptions options = {});

// Kernel text address → function name, from /proc/kallsyms text.
class KernelSymbols {
 public:
  void load(const std::string& kallsyms_text);
  // "function" containing addr, or "0x<hex>" when unknown.
  std::string function(uint64_t addr) const;
  size_t size() const { return symbols_.size(); }

 private:
  std::vector<std::pair<uint64_t, std::string>> symbols_;  // sorted by address
};

}  // namespace ksight::agent
