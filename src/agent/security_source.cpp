#include "agent/security_source.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <thread>
#include <utility>

#include "agent/feature_probe.h"
#include "common/error.h"
#include "security.h"
#include "security.skel.h"

namespace ksight::agent {

struct SecuritySource::Bpf {
  security_bpf* skel = nullptr;
  ring_buffer* rb = nullptr;
  std::vector<bpf_link*> links;
  ~Bpf() {
    if (rb) ring_buffer__free(rb);
    destroy_links();
    if (skel) security_bpf__destroy(skel);
  }
  // Detaching a syscall tracepoint waits for an RCU grace period (~65 ms
  // here); detaching them concurrently lets the waits overlap (38 links:
  // 2.8 s serially, 1.4 s this way), which keeps SIGTERM handling short.
  void destroy_links() {
    std::vector<std::thread> threads;
    for (bpf_link* link : links) threads.emplace_back([link] { bpf_link__destroy(link); });
    for (auto& t : threads) t.join();
    links.clear();
  }
};

namespace {

int on_record(void* ctx, void* data, size_t size) {
  auto* pipeline = static_cast<SecurityPipeline*>(ctx);
  pipeline->handle({static_cast<const std::byte*>(data), size});
  return 0;
}

// "tp/syscalls/sys_enter_openat" -> tracefs event dir exists?
bool tracepoint_exists(const std::string& tracefs, std::string_view section) {
  std::string_view prefix = "tp/";
  if (tracefs.empty() || section.substr(0, prefix.size()) != prefix) return true;
  std::string dir = tracefs + "/events/" + std::string(section.substr(prefix.size()));
  struct stat st {};
  return stat(dir.c_str(), &st) == 0;
}

}  // namespace

SecuritySource::SecuritySource(SecuritySourceOptions options, SecuritySink sink)
    : options_(options), pipeline_(std::move(sink), options.resolve_paths ? &proc_ : nullptr) {}

SecuritySource::~SecuritySource() {
  stop();
}

bool SecuritySource::running() const {
  return bpf_ != nullptr;
}

// The kernel must offer what every program here needs; say which is missing
// rather than fail inside the loader.
void SecuritySource::check_features() {
  KernelFeatures& features = options_.features ? *options_.features : kernel_features();
  for (Feature f : {Feature::kBtf, Feature::kRingBuffer, Feature::kTracepoint}) {
    FeatureStatus status = features.status(f);
    if (!status.available) {
      throw CapabilityError("security: the kernel lacks " + std::string(feature_name(f)) + ": " +
                            status.detail);
    }
  }
}

void SecuritySource::start() {
  if (bpf_) return;
  check_features();
  auto bpf = std::make_unique<Bpf>();
  bpf->skel = security_bpf__open();
  if (!bpf->skel) throw Error(std::string("security: opening BPF object: ") + strerror(errno));
  uint32_t ignore = options_.ignore_pid;
  if (!ignore && options_.ignore_self) ignore = static_cast<uint32_t>(getpid());
  bpf->skel->rodata->ignore_tgid = ignore;
  bpf->skel->rodata->wakeup_bytes = options_.wakeup_bytes;
  bpf_map__set_max_entries(bpf->skel->maps.sec_events, options_.ringbuf_bytes);
  bpf_ = std::move(bpf);
  try {
    configure_programs();
    int err = security_bpf__load(bpf_->skel);
    if (err) {
      throw CapabilityError(std::string("security: loading BPF programs failed: ") +
                            strerror(-err));
    }
    attach_programs();
    bpf_->rb =
        ring_buffer__new(bpf_map__fd(bpf_->skel->maps.sec_events), on_record, &pipeline_, nullptr);
    if (!bpf_->rb) throw Error(std::string("security: ring buffer: ") + strerror(errno));
  } catch (...) {
    bpf_.reset();
    throw;
  }
  pipeline_.set_boot_to_wall_offset_ns(SecurityPipeline::current_boot_to_wall_offset_ns());
  spdlog::info("security: {} programs attached, {} skipped", attached_.size(), skipped_.size());
}

// Families switched off and tracepoints this kernel lacks are not loaded.
void SecuritySource::configure_programs() {
  std::string tracefs = ensure_tracefs();
  attached_.clear();
  skipped_.clear();
  bpf_program* prog;
  bpf_object__for_each_program(prog, bpf_->skel->obj) {
    std::string name = bpf_program__name(prog);
    SecurityFamily family = security_program_family(name);
    bool on = family != SecurityFamily::kCount && (options_.families & family_bit(family));
    if (name == "raw_exit_module") {
      bool missing = !tracepoint_exists(tracefs, "tp/syscalls/sys_exit_init_module");
      if (!on || !options_.module_raw_fallback || !missing) {
        bpf_program__set_autoload(prog, false);
        skipped_.push_back(name + (missing ? ": fallback not enabled" : ": not needed"));
      }
      continue;
    }
    // sched_exec only moves exec state between threads: needed with kExec.
    if (!on) {
      bpf_program__set_autoload(prog, false);
      skipped_.push_back(name + ": family disabled");
    } else if (!tracepoint_exists(tracefs, bpf_program__section_name(prog))) {
      bpf_program__set_autoload(prog, false);
      skipped_.push_back(name + ": tracepoint missing on this kernel");
    }
  }
}

void SecuritySource::attach_programs() {
  bpf_program* prog;
  bpf_object__for_each_program(prog, bpf_->skel->obj) {
    if (!bpf_program__autoload(prog)) continue;
    bpf_link* link = bpf_program__attach(prog);
    std::string name = bpf_program__name(prog);
    if (!link) {
      int err = errno;
      spdlog::warn("security: attaching {} failed: {}", name, strerror(err));
      skipped_.push_back(name + ": attach failed: " + strerror(err));
      continue;
    }
    bpf_->links.push_back(link);
    attached_.push_back(name);
  }
  if (attached_.empty()) throw CapabilityError("security: no program could be attached");
}

int SecuritySource::poll(int timeout_ms) {
  if (!bpf_) return 0;
  int n = ring_buffer__poll(bpf_->rb, timeout_ms);
  if (n == -EINTR) return 0;
  // Records below the wakeup threshold raise no epoll event: take them now.
  if (n == 0 && options_.wakeup_bytes) n = ring_buffer__consume(bpf_->rb);
  if (n < 0) throw Error(std::string("security: ring buffer poll: ") + strerror(-n));
  return n;
}

int SecuritySource::poll_fd() const {
  return bpf_ ? ring_buffer__epoll_fd(bpf_->rb) : -1;
}

void SecuritySource::stop() {
  if (!bpf_) return;
  // Drain what the kernel already wrote before detaching.
  ring_buffer__consume(bpf_->rb);
  bpf_.reset();
}

SecurityLost SecuritySource::lost() const {
  SecurityLost lost;
  if (!bpf_) return lost;
  int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0) return lost;
  std::vector<uint64_t> values(static_cast<size_t>(ncpus));
  int fd = bpf_map__fd(bpf_->skel->maps.sec_lost);
  uint64_t* slots[] = {&lost.ringbuf_full, &lost.pending_full, &lost.exec_pending_full,
                       &lost.missing_enter};
  static_assert(std::size(slots) == KSIGHT_SEC_LOST_MAX);
  for (uint32_t reason = 0; reason < KSIGHT_SEC_LOST_MAX; reason++) {
    if (bpf_map_lookup_elem(fd, &reason, values.data()) != 0) continue;
    for (uint64_t v : values) *slots[reason] += v;
  }
  return lost;
}

SecurityStats SecuritySource::stats() {
  SecurityStats stats = pipeline_.stats();
  stats.lost = lost();
  return stats;
}

}  // namespace ksight::agent
