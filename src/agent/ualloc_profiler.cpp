// Loading and attaching bpf/ualloc.bpf.c to one process's allocator, and
// reading its maps (the kernel-free half is in ualloc_profile.cpp).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "agent/bpf_maps.h"
#include "agent/ualloc_profiler.h"
#include "common/error.h"
#include "ualloc.h"
#include "ualloc.skel.h"

namespace ksight::agent {

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  std::string message = what + ": " + strerror(err);
  if (err == EPERM || err == EACCES) {
    throw CapabilityError(message + " (needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN, or root)");
  }
  throw Error(message);
}

std::string read_maps(uint32_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  if (!in) throw Error("process " + std::to_string(pid) + " not found (no /proc/PID/maps)");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

enum class Kind { kSize, kCalloc, kRealloc, kAligned, kPosixMemalign, kFree };

struct Symbol {
  const char* name;
  Kind kind;
};

// aligned_alloc only (not memalign): before glibc 2.38 they share an
// address, and two probes on one address would count each call twice.
constexpr Symbol kLibcSymbols[] = {
    {"malloc", Kind::kSize},
    {"calloc", Kind::kCalloc},
    {"realloc", Kind::kRealloc},
    {"aligned_alloc", Kind::kAligned},
    {"posix_memalign", Kind::kPosixMemalign},
    {"free", Kind::kFree},
};

// operator new/new[] (plain, nothrow, aligned) and every operator delete.
constexpr Symbol kCxxSymbols[] = {
    {"_Znwm", Kind::kSize},
    {"_Znam", Kind::kSize},
    {"_ZnwmRKSt9nothrow_t", Kind::kSize},
    {"_ZnamRKSt9nothrow_t", Kind::kSize},
    {"_ZnwmSt11align_val_t", Kind::kSize},
    {"_ZnamSt11align_val_t", Kind::kSize},
    {"_ZdlPv", Kind::kFree},
    {"_ZdaPv", Kind::kFree},
    {"_ZdlPvm", Kind::kFree},
    {"_ZdaPvm", Kind::kFree},
    {"_ZdlPvSt11align_val_t", Kind::kFree},
    {"_ZdaPvSt11align_val_t", Kind::kFree},
    {"_ZdlPvmSt11align_val_t", Kind::kFree},
    {"_ZdaPvmSt11align_val_t", Kind::kFree},
};

bpf_program* entry_program(ualloc_bpf* skel, Kind kind) {
  switch (kind) {
    case Kind::kSize:
      return skel->progs.ualloc_size_entry;
    case Kind::kCalloc:
      return skel->progs.ualloc_calloc_entry;
    case Kind::kRealloc:
      return skel->progs.ualloc_realloc_entry;
    case Kind::kAligned:
      return skel->progs.ualloc_aligned_entry;
    case Kind::kPosixMemalign:
      return skel->progs.ualloc_posix_memalign_entry;
    case Kind::kFree:
      return skel->progs.ualloc_free_entry;
  }
  return nullptr;
}

}  // namespace

static_assert(sizeof(ksight_ualloc_key) == sizeof(UallocKeyBytes));

UserAllocProfiler::UserAllocProfiler(const UserAllocOptions& options, KernelFeatures& features)
    : rate_(options.sample_bytes) {
  if (!features.has(Feature::kUprobe)) {
    throw CapabilityError("user allocations need uprobes: " +
                          features.status(Feature::kUprobe).detail);
  }
  skel_ = ualloc_bpf__open();
  if (!skel_) fail("opening the user allocation BPF object", errno);
  // 0: every process the probes fire for (they are attached per process).
  skel_->rodata->target_tgid = options.pid;
  auto edges = exponential_edges(rate_, KSIGHT_UALLOC_EXP_BINS);
  for (size_t i = 0; i < edges.size(); ++i) skel_->rodata->exp_edges[i] = edges[i];
  if (int err = ualloc_bpf__load(skel_); err != 0) {
    ualloc_bpf__destroy(skel_);
    skel_ = nullptr;
    fail("loading the user allocation profiler", -err);
  }
  if (options.pid == 0) return;
  try {
    attach_process(options.pid, options.libraries_of);
  } catch (...) {
    ualloc_bpf__destroy(skel_);
    throw;
  }
}

UserAllocProfiler::~UserAllocProfiler() {
  for (auto& [pid, links] : links_) {
    for (auto* l : links) bpf_link__destroy(l);
  }
  if (skel_) ualloc_bpf__destroy(skel_);
}

void UserAllocProfiler::attach_process(uint32_t pid, uint32_t libraries_of) {
  if (pid == 0) throw Error("user allocation profiling needs a process id");
  uint32_t maps_pid = libraries_of ? libraries_of : pid;
  std::string root = "/proc/" + std::to_string(maps_pid) + "/root";
  auto libs = find_allocator_libraries(read_maps(maps_pid), root);
  if (libs.libc.empty()) {
    throw Error("process " + std::to_string(maps_pid) +
                " has no libc mapped (static binary or another allocator): nothing to probe");
  }
  attached_.clear();
  skipped_.clear();
  try {
    attach_library(pid, libs.libc, false);
    if (!libs.libstdcxx.empty()) attach_library(pid, libs.libstdcxx, true);
  } catch (...) {
    detach_process(pid);
    throw;
  }
}

void UserAllocProfiler::detach_process(uint32_t pid) {
  auto it = links_.find(pid);
  if (it == links_.end()) return;
  for (auto* l : it->second) bpf_link__destroy(l);
  links_.erase(it);
}

void UserAllocProfiler::attach_library(uint32_t pid, const std::string& path, bool cxx) {
  int attached = 0;
  auto attach_all = [&](const auto& symbols) {
    for (const auto& s : symbols) {
      attached +=
          attach_one(pid, path, s.name, entry_program(skel_, s.kind), s.kind != Kind::kFree);
    }
  };
  if (cxx) {
    attach_all(kCxxSymbols);
  } else {
    attach_all(kLibcSymbols);
  }
  if (!cxx && attached == 0) {
    throw Error("no allocator symbol of " + path + " could be probed (" +
                (skipped_.empty() ? std::string("?") : skipped_.back()) + ")");
  }
}

bool UserAllocProfiler::attach_one(uint32_t pid, const std::string& path, const std::string& symbol,
                                   bpf_program* entry, bool with_return) {
  std::string lib = path.substr(path.rfind('/') + 1);
  auto attach = [&](bpf_program* prog, bool retprobe) -> bpf_link* {
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe, .func_name = symbol.c_str());
    return bpf_program__attach_uprobe_opts(prog, static_cast<pid_t>(pid), path.c_str(), 0, &opts);
  };
  auto skip = [&](int err) {
    if (err == EPERM || err == EACCES) fail("attaching a uprobe to " + lib + ":" + symbol, err);
    skipped_.push_back(lib + ":" + symbol + ": " + strerror(err));
    spdlog::info("user allocations: pid {}: {} skipped", pid, skipped_.back());
    return false;
  };
  bpf_link* ret = nullptr;
  // The return probe first: an entry without its return would leave a call
  // "in progress" forever on every thread.
  if (with_return && !(ret = attach(skel_->progs.ualloc_return, true))) return skip(errno);
  bpf_link* in = attach(entry, false);
  if (!in) {
    int err = errno;
    if (ret) bpf_link__destroy(ret);
    return skip(err);
  }
  auto& links = links_[pid];
  if (ret) links.push_back(ret);
  links.push_back(in);
  attached_.push_back(lib + ":" + symbol);
  return true;
}

std::vector<uint64_t> UserAllocProfiler::stack(int32_t id) {
  return read_stack_trace(bpf_map__fd(skel_->maps.stacks), id, KSIGHT_UALLOC_STACK_DEPTH);
}

std::vector<UserAllocCount> UserAllocProfiler::drain_counts() {
  auto entries = dump_hash<ksight_ualloc_key, ksight_ualloc_value>(bpf_map__fd(skel_->maps.counts),
                                                                   KSIGHT_UALLOC_KEYS);
  std::vector<UserAllocCount> out;
  drained_.clear();
  for (const auto& [key, v] : entries) {
    std::string comm(key.comm, strnlen(key.comm, sizeof(key.comm)));
    auto& last = last_[{key.tgid, key.user_stack_id, key.size, key.caller, comm}];
    uint64_t allocs = v.allocs - last;
    last = v.allocs;
    uint64_t live = v.allocs > v.frees ? v.allocs - v.frees : 0;
    UallocKeyBytes raw;
    std::memcpy(raw.data(), &key, raw.size());
    drained_.emplace_back(raw, allocs == 0 && live == 0);
    if (allocs == 0 && live == 0) continue;
    out.push_back({key.tgid,
                   comm,
                   splice_caller(stack(key.user_stack_id), key.caller),
                   key.size,
                   allocs,
                   live,
                   {}});
  }
  return out;
}

UserAllocPruned UserAllocProfiler::prune(const std::set<uint32_t>& gone) {
  UserAllocPruned pruned;
  int counts_fd = bpf_map__fd(skel_->maps.counts);
  std::set<int32_t> kept_stacks, dropped_stacks;
  for (const auto& [raw, idle] : drained_) {
    ksight_ualloc_key key;
    std::memcpy(&key, raw.data(), sizeof(key));
    if (!idle && !gone.count(key.tgid)) {
      kept_stacks.insert(key.user_stack_id);
      continue;
    }
    // An idle key hit between the dump and here loses that one sample.
    if (bpf_map_delete_elem(counts_fd, &key) == 0) ++pruned.keys;
    std::string comm(key.comm, strnlen(key.comm, sizeof(key.comm)));
    last_.erase({key.tgid, key.user_stack_id, key.size, key.caller, comm});
    dropped_stacks.insert(key.user_stack_id);
  }
  drained_.clear();
  int stacks_fd = bpf_map__fd(skel_->maps.stacks);
  for (int32_t id : dropped_stacks) {
    if (id >= 0 && !kept_stacks.count(id) && bpf_map_delete_elem(stacks_fd, &id) == 0) {
      ++pruned.stacks;
    }
  }
  if (!gone.empty()) pruned.live = prune_live(gone);
  return pruned;
}

// The sampled pointers of exited processes: never freed now, they would
// fill the live map.
size_t UserAllocProfiler::prune_live(const std::set<uint32_t>& gone) {
  int fd = bpf_map__fd(skel_->maps.live);
  size_t deleted = 0;
  for (const auto& [key, value] :
       dump_hash<ksight_ualloc_live_key, ksight_ualloc_key>(fd, KSIGHT_UALLOC_LIVE)) {
    if (gone.count(key.tgid) && bpf_map_delete_elem(fd, &key) == 0) ++deleted;
  }
  return deleted;
}

UserAllocCounters UserAllocProfiler::counters() const {
  auto sums = sum_percpu_u64_array(bpf_map__fd(skel_->maps.lost), KSIGHT_UALLOC_LOSS_MAX);
  UserAllocCounters c;
  c.lost_keys_full = sums[KSIGHT_UALLOC_LOSS_KEYS_FULL];
  c.lost_live_full = sums[KSIGHT_UALLOC_LOSS_LIVE_FULL];
  c.stack_errors = sums[KSIGHT_UALLOC_LOSS_STACK];
  c.missed_returns = sums[KSIGHT_UALLOC_LOSS_MISSED_RET];
  return c;
}

}  // namespace ksight::agent
