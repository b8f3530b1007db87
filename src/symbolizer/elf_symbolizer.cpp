#include "symbolizer/elf_symbolizer.h"

#include <cstdlib>
#include <list>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "symbolizer/kallsyms.h"
#include "symbolizer/kernel_build_id.h"
#include "symbolizer/object_cache.h"
#include "symbolizer/process_snapshot.h"

namespace ksight::symbolizer {
namespace {

Frame unknown_frame(const std::string& module, uint64_t offset) {
  Frame frame;
  frame.function = fmt::format("{}+0x{:x}", module, offset);
  frame.system_name = frame.function;
  return frame;
}

MappedObject mapped_object(const SnapshotMapping& m) {
  MappedObject object;
  object.start = m.entry.start;
  object.limit = m.entry.limit;
  object.file_offset = m.entry.offset;
  object.deleted = m.entry.deleted;
  object.path = m.entry.kind == MappingKind::kAnonymous ? "[anon]" : m.entry.path;
  if (m.object) {
    object.build_id = m.object->elf().build_id();
    object.has_symbols = m.object->elf().symbol_count() > 0;
    object.has_debug_info = m.object->has_debug_info();
  }
  return object;
}

KallsymsOptions kallsyms_options(const SymbolizerOptions& o) {
  KallsymsOptions k;
  k.kallsyms_path = o.kallsyms_path.empty() ? o.proc_root + "/kallsyms" : o.kallsyms_path;
  k.modules_path = o.modules_path.empty() ? o.proc_root + "/modules" : o.modules_path;
  k.modules_check_interval = o.modules_check_interval;
  k.miss_reload_interval = o.kallsyms_miss_reload_interval;
  return k;
}

SnapshotOptions snapshot_options(const SymbolizerOptions& o) {
  SnapshotOptions s;
  s.proc_root = o.proc_root;
  s.use_map_files = o.use_map_files;
  s.debug = DebugSearch{o.debug_dirs, o.debuginfod};
  s.memo_per_object = o.memo_per_object;
  s.lines = o.lines;
  return s;
}

class ElfSymbolizer final : public Symbolizer {
 public:
  explicit ElfSymbolizer(const SymbolizerOptions& options)
      : options_(options),
        cache_(ObjectCacheLimits{options.max_objects, options.max_object_bytes}),
        reader_(snapshot_options(options), cache_, stats_),
        kernel_(kallsyms_options(options)) {}

  void observe_process(uint32_t pid) override {
    std::lock_guard lock(mutex_);
    ProcessSnapshot& process = snapshot(pid);
    // A long-running agent outlives pids: a reused pid, or a process that
    // exec'ed, gets a new snapshot. Checked at most once per
    // maps_refresh_interval per pid.
    if (!process.gone && due(process.identity_checked_at, options_.maps_refresh_interval)) {
      process.identity_checked_at = ProcessSnapshot::Clock::now();
      if (!reader_.same_process(process)) {
        ++stats_.pid_reuses;
        process = reader_.capture(pid);
      }
    }
  }

  void forget_process(uint32_t pid) override {
    std::lock_guard lock(mutex_);
    auto it = processes_.find(pid);
    if (it == processes_.end()) return;
    lru_.erase(it->second);
    processes_.erase(it);
  }

  std::vector<SymbolizedAddress> symbolize_user(uint32_t pid,
                                                std::span<const uint64_t> addresses) override {
    std::lock_guard lock(mutex_);
    ProcessSnapshot& process = snapshot(pid);
    std::vector<SymbolizedAddress> out;
    out.reserve(addresses.size());
    for (uint64_t address : addresses) out.push_back(user_address(process, address));
    finish_batch(out);
    return out;
  }

  std::vector<SymbolizedAddress> symbolize_kernel(std::span<const uint64_t> addresses) override {
    std::lock_guard lock(mutex_);
    kernel_.refresh();
    std::vector<SymbolizedAddress> out;
    out.reserve(addresses.size());
    for (uint64_t address : addresses) out.push_back(kernel_address(address));
    finish_batch(out);
    return out;
  }

  SymbolizerStats stats() const override {
    std::lock_guard lock(mutex_);
    SymbolizerStats s = stats_;
    s.elf_cache_entries = cache_.size();
    s.elf_cache_bytes = cache_.measure_bytes();  // DWARF opens lazily, after insert
    s.elf_cache_evictions = cache_.evictions();
    s.processes = processes_.size();
    s.kernel_symbols = kernel_.table().size();
    s.kallsyms_reloads = kernel_.reloads();
    s.kernel_addresses_hidden = kernel_.table().hidden();
    return s;
  }

 private:
  using Lru = std::list<ProcessSnapshot>;

  ProcessSnapshot& snapshot(uint32_t pid) {
    auto it = processes_.find(pid);
    if (it != processes_.end() && !it->second->gone) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return *it->second;
    }
    // A pid seen gone is retried (pids are reused) but counted once.
    ProcessSnapshot fresh = reader_.capture(pid);
    if (fresh.gone && it == processes_.end()) ++stats_.process_gone;
    if (it != processes_.end()) {
      *it->second = std::move(fresh);
      lru_.splice(lru_.begin(), lru_, it->second);
      return *it->second;
    }
    lru_.push_front(std::move(fresh));
    processes_[pid] = lru_.begin();
    while (lru_.size() > options_.max_processes) {
      processes_.erase(lru_.back().pid);
      lru_.pop_back();
    }
    return lru_.front();
  }

  SymbolizedAddress user_address(ProcessSnapshot& process, uint64_t address) {
    const SnapshotMapping* m = process.find(address);
    if (!m && !process.gone && due(process.maps_read_at, options_.maps_refresh_interval)) {
      if (reader_.refresh_maps(process)) m = process.find(address);
    }
    if (!m || m->entry.kind == MappingKind::kAnonymous) {
      if (auto jit = jit_address(process, m, address)) return *jit;
    }
    SymbolizedAddress out;
    out.address = address;
    if (!m) {
      ++stats_.unknown_no_mapping;
      out.frames.push_back(unknown_frame("[unknown]", address));
      return out;
    }
    out.object = mapped_object(*m);
    uint64_t offset = address - m->entry.start + m->entry.offset;
    if (!m->object) {
      ++(m->entry.kind == MappingKind::kFile ? stats_.unknown_no_file : stats_.unknown_no_symbol);
      out.frames.push_back(unknown_frame(mapping_display_name(m->entry), offset));
      return out;
    }
    uint64_t vaddr = m->object->elf().file_offset_to_vaddr(offset);
    const ObjectResolution& resolved = m->object->resolve(vaddr);
    if (resolved.symbol_found) {
      out.frames = resolved.frames;
      out.symbol_found = true;
    } else {
      ++stats_.unknown_no_symbol;
      // The ELF virtual address: what addr2line and objdump take.
      out.frames.push_back(unknown_frame(mapping_display_name(m->entry), vaddr));
    }
    return out;
  }

  std::optional<SymbolizedAddress> jit_address(ProcessSnapshot& process, const SnapshotMapping* m,
                                               uint64_t address) {
    const PerfMapSymbol* symbol = process.perf_map ? process.perf_map->lookup(address) : nullptr;
    if (!symbol && !process.gone &&
        due(process.perf_map_read_at, options_.perf_map_refresh_interval)) {
      if (reader_.refresh_perf_map(process)) symbol = process.perf_map->lookup(address);
    }
    if (!symbol) return std::nullopt;
    SymbolizedAddress out;
    out.address = address;
    if (m) {
      out.object = mapped_object(*m);
      out.object->path = "[jit]";
    } else {
      out.object.emplace();
      out.object->start = symbol->start;
      out.object->limit = symbol->start + symbol->size;
      out.object->path = "[jit]";
    }
    out.frames.push_back(Frame{symbol->name, symbol->name, "", 0, address - symbol->start});
    out.symbol_found = true;
    return out;
  }

  SymbolizedAddress kernel_address(uint64_t address) {
    SymbolizedAddress out;
    out.address = address;
    auto hit = kernel_.lookup(address);
    if (!hit) {
      ++stats_.unknown_kernel;
      out.frames.push_back(unknown_frame("[kernel]", address));
      return out;
    }
    bool core = hit->region->name.empty();
    out.object = MappedObject{hit->region->start,
                              hit->region->limit,
                              0,
                              core ? "[kernel.kallsyms]" : "[" + hit->region->name + "]",
                              kernel_build_id_of(hit->region->name),
                              true};
    out.object->has_symbols = true;
    Frame frame;
    frame.function = std::string(hit->name);
    frame.system_name = frame.function;
    frame.symbol_offset = hit->offset;
    out.frames.push_back(std::move(frame));
    out.symbol_found = true;
    return out;
  }

  // Memoised per region; forgotten when kallsyms reloads (modules changed).
  const std::string& kernel_build_id_of(const std::string& region) {
    if (kernel_build_ids_reloads_ != kernel_.reloads()) {
      kernel_build_ids_.clear();
      kernel_build_ids_reloads_ = kernel_.reloads();
    }
    auto it = kernel_build_ids_.find(region);
    if (it == kernel_build_ids_.end()) {
      it = kernel_build_ids_.emplace(region, kernel_build_id(options_.sys_root, region)).first;
    }
    return it->second;
  }

  void finish_batch(const std::vector<SymbolizedAddress>& batch) {
    stats_.addresses += batch.size();
    for (const auto& a : batch) stats_.unknown += a.symbol_found ? 0 : 1;
    // Memos grow between inserts; re-measuring walks every entry, so not on
    // every (often one-address) batch.
    if (++batches_since_measure_ >= 64) {
      batches_since_measure_ = 0;
      cache_.enforce_limits();
    }
  }

  static bool due(ProcessSnapshot::Clock::time_point last, std::chrono::milliseconds interval) {
    return ProcessSnapshot::Clock::now() - last >= interval;
  }

  const SymbolizerOptions options_;
  mutable std::mutex mutex_;
  SymbolizerStats stats_;
  ObjectCache cache_;
  SnapshotReader reader_;
  KernelSymbols kernel_;
  Lru lru_;  // most recently used first
  int batches_since_measure_ = 0;
  std::unordered_map<std::string, std::string> kernel_build_ids_;  // region -> build-id
  uint64_t kernel_build_ids_reloads_ = 0;
  std::unordered_map<uint32_t, Lru::iterator> processes_;
};

}  // namespace

std::vector<std::string> default_debug_dirs() {
  const char* env = std::getenv("KSIGHT_DEBUG_ROOT");
  if (env == nullptr || *env == '\0') return {"/usr/lib/debug"};
  std::vector<std::string> dirs;
  std::string_view rest = env;
  while (!rest.empty()) {
    size_t colon = std::min(rest.find(':'), rest.size());
    if (colon > 0) dirs.emplace_back(rest.substr(0, colon));
    rest.remove_prefix(std::min(colon + 1, rest.size()));
  }
  return dirs;
}

std::unique_ptr<Symbolizer> make_symbolizer(const SymbolizerOptions& options) {
  return std::make_unique<ElfSymbolizer>(options);
}

}  // namespace ksight::symbolizer
