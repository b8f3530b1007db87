#include "trace/runtime/session.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "common/error.h"
#include "trace/runtime/attach.h"
#include "trace/runtime/elf_resolve.h"
#include "trace/runtime/loader.h"
#include "trace/runtime/map_reader.h"
#include "trace/runtime/session_symbols.h"

namespace ksight::trace::runtime {

namespace {

struct Timer {
  Fd fd;
  size_t probe;
};

class Session {
 public:
  Session(CompiledProgram& p, const SessionOptions& o)
      : prog_(p),
        opts_(o),
        out_(o.out ? *o.out : std::cout),
        maps_(create_maps(*p.info, o.ringbuf_bytes)),
        symbols_(maps_, *p.info) {
    for (const auto& f : p.info->formats) pieces_.push_back(parse_format(f.format));
  }

  int run() {
    for (const auto& program : prog_.programs)
      prog_fds_.push_back(load_program(program, maps_, prog_.source));
    ring_ = ring_buffer__new(maps_.ringbuf.get(), &Session::on_sample, this, nullptr);
    if (!ring_) throw Error("cannot open the BPF ring buffer");
    // bpftrace's order: the announcement (BEGIN and END count as probes),
    // BEGIN before the other probes are attached, END after they are detached.
    announce_attached(prog_.probes.size());
    run_timed(ProbeType::kBegin);
    attach_all();
    if (opts_.child_go_fd >= 0) ::close(opts_.child_go_fd);  // let the -c command run
    if (!stop_) loop();
    links_.clear();  // detach before END, as bpftrace does
    timers_.clear();
    discarding_ = true;  // records produced after the stop are not shown
    ring_buffer__consume(ring_);
    discarding_ = false;
    run_timed(ProbeType::kEnd);
    ring_buffer__consume(ring_);
    report_lost();
    print_all_maps();
    ring_buffer__free(ring_);
    out_.flush();
    reap_child();
    return kExitOk;
  }

 private:
  // After exit() the rest of the buffer is dropped: returning < 0 stops
  // libbpf's consume loop at once instead of racing a busy producer.
  static int on_sample(void* ctx, void* data, size_t size) {
    auto* self = static_cast<Session*>(ctx);
    if (self->stop_ && !self->in_end_) return self->discarding_ ? 0 : -1;
    self->on_record(static_cast<const uint8_t*>(data), size);
    return 0;
  }

  void on_record(const uint8_t* data, size_t size) {
    if (size < sizeof(RecordHeader) || (stop_ && !in_end_)) return;
    RecordHeader h;
    std::memcpy(&h, data, sizeof(h));
    switch (static_cast<RecordType>(h.type)) {
      case RecordType::kPrintf: {
        if (h.id >= prog_.info->formats.size()) return;
        std::string text = format_printf(prog_.info->formats[h.id], pieces_[h.id],
                                         {data + sizeof(h), size - sizeof(h)}, symbols_);
        if (opts_.format == OutputFormat::kJson) {
          out_ << json_line("printf", text) << "\n";
        } else {
          out_ << text;
        }
        break;
      }
      case RecordType::kExit:
        stop_ = true;
        break;
      case RecordType::kPrintMap:
        if (h.id < prog_.info->prints.size()) {
          const PrintSpec& spec = prog_.info->prints[h.id];
          print_map_id(static_cast<uint32_t>(spec.map_id), spec);
        }
        break;
      case RecordType::kTime:
        if (h.id < prog_.info->time_formats.size()) print_time(prog_.info->time_formats[h.id]);
        break;
      case RecordType::kClearMap:
        clear_map(maps_.user.at(h.id).get(), prog_.info->maps.at(h.id));
        break;
      case RecordType::kZeroMap:
        zero_map(maps_.user.at(h.id).get(), prog_.info->maps.at(h.id));
        break;
    }
  }

  // Like bpftrace: "Lost N events" on stderr, a lost_events record in JSON.
  void report_lost() {
    uint64_t lost = lost_records(maps_);
    if (lost == 0) return;
    if (opts_.format == OutputFormat::kJson) {
      out_ << json_line("lost_events", Json{{"events", lost}}) << "\n";
    } else {
      std::cerr << "Lost " << lost << " events\n";
    }
  }

  void print_map_id(uint32_t id, const PrintSpec& spec = {}) {
    const MapInfo& m = prog_.info->maps.at(id);
    print_map(out_, m, read_map(maps_.user.at(id).get(), m), opts_.format, symbols_, spec);
  }

  // time(): the wall-clock time now, when the record is handled (bpftrace's).
  void print_time(const std::string& format) {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    std::string text =
        format_wall_time(format, static_cast<int64_t>(now.tv_sec) * 1000000000ll + now.tv_nsec);
    if (opts_.format == OutputFormat::kJson) {
      out_ << json_line("time", text) << "\n";
    } else {
      out_ << text;
    }
  }

  // On stdout, as bpftrace prints it (scripts that read its output skip it).
  void announce_attached(size_t attached) {
    if (opts_.format == OutputFormat::kJson) {
      out_ << json_line("attached_probes", Json{{"probes", attached}}) << "\n";
    } else {
      out_ << "Attaching " << attached << " probe" << (attached == 1 ? "" : "s") << "...\n";
    }
    out_.flush();
  }

  // At exit bpftrace prints two newlines (in JSON output too), then every
  // map in name order.
  void print_all_maps() {
    out_ << "\n\n";
    std::vector<const MapInfo*> maps;
    for (const auto& m : prog_.info->maps) maps.push_back(&m);
    std::stable_sort(maps.begin(), maps.end(),
                     [](const MapInfo* a, const MapInfo* b) { return a->name < b->name; });
    for (const MapInfo* m : maps) print_map_id(static_cast<uint32_t>(m->id));
  }

  // BEGIN/END/interval bodies run in the kernel through BPF_PROG_TEST_RUN.
  void test_run(size_t i) {
    uint64_t ctx[1] = {0};
    bpf_test_run_opts o{};
    o.sz = sizeof(o);
    o.ctx_in = ctx;
    o.ctx_size_in = sizeof(ctx);
    if (bpf_prog_test_run_opts(prog_fds_[i].get(), &o) != 0) {
      spdlog::warn("running {} failed: {}", prog_.programs[i].name, std::strerror(errno));
    }
    ring_buffer__consume(ring_);
  }

  void run_timed(ProbeType type) {
    in_end_ = type == ProbeType::kEnd;  // END runs even after exit()
    for (size_t i = 0; i < prog_.probes.size() && (!stop_ || in_end_); ++i) {
      if (prog_.probes[i].spec.type == type) test_run(i);
    }
  }

  void attach_all() {
    for (size_t i = 0; i < prog_.probes.size(); ++i) {
      ProbeType t = prog_.probes[i].spec.type;
      if (t != ProbeType::kBegin && t != ProbeType::kEnd) attach(i);
    }
  }

  void attach(size_t i) {
    const AttachSpec& s = prog_.probes[i].spec;
    int fd = prog_fds_[i].get();
    std::vector<Fd> fds;
    switch (s.type) {
      case ProbeType::kTracepoint: {
        if (prog_.programs[i].type == BPF_PROG_TYPE_RAW_TRACEPOINT) {
          try {
            fds = attach_raw_tracepoint(fd, s.func);
            break;
          } catch (const Error& e) {
            // The raw tracepoint may be named differently: fall back.
            spdlog::debug("{}: {}; attaching as a perf tracepoint", s.name(), e.what());
            prog_.programs[i].type = BPF_PROG_TYPE_TRACEPOINT;
            prog_fds_[i] = load_program(prog_.programs[i], maps_, prog_.source);
            fd = prog_fds_[i].get();
          }
        }
        auto id = prog_.tracepoints->id(s.target, s.func);
        if (!id) throw Error("cannot read the id of " + s.name());
        fds = attach_tracepoint(fd, *id, s.name());
        break;
      }
      case ProbeType::kRawTracepoint:
        fds = attach_raw_tracepoint(fd, s.func);
        break;
      case ProbeType::kUprobe:
      case ProbeType::kUretprobe: {
        std::string path = resolve_binary(s.target);
        fds = attach_uprobe(fd, path, symbol_file_offset(path, s.func) + s.offset,
                            s.type == ProbeType::kUretprobe, opts_.filter_pid, s.name());
        break;
      }
      case ProbeType::kUsdt:
        fds = attach_usdt(fd, s);
        break;
      case ProbeType::kProfile:
        fds = attach_profile(fd, s.number, opts_.filter_pid);
        break;
      case ProbeType::kInterval:
        add_timer(i, s.number);
        break;
      default:
        throw Error(s.name() + ": cannot attach this probe type");
    }
    for (auto& f : fds) links_.push_back(std::move(f));
  }

  // The resolver made one probe per USDT site (usdt_site). Semaphores are
  // not incremented: probes guarded by one only fire while another tracer
  // holds it (see README).
  std::vector<Fd> attach_usdt(int fd, const AttachSpec& s) {
    std::string path = resolve_binary(s.target);
    return attach_uprobe(fd, path, s.usdt_site, false, opts_.filter_pid, s.name(), 0);
  }

  void add_timer(size_t probe, uint64_t period_ns) {
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (fd < 0) throw Error(std::string("timerfd_create: ") + std::strerror(errno));
    itimerspec spec{};
    spec.it_interval.tv_sec = static_cast<time_t>(period_ns / 1000000000ull);
    spec.it_interval.tv_nsec = static_cast<long>(period_ns % 1000000000ull);
    spec.it_value = spec.it_interval;
    timerfd_settime(fd, 0, &spec, nullptr);
    timers_.push_back({Fd(fd), probe});
  }

  void loop() {
    Fd ep(epoll_create1(EPOLL_CLOEXEC));
    auto add = [&](int fd, uint64_t tag) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = tag;
      epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd, &ev);
    };
    constexpr uint64_t kRing = 1ull << 40, kSignal = kRing + 1, kChild = kRing + 2;
    add(ring_buffer__epoll_fd(ring_), kRing);
    if (opts_.signals) add(opts_.signals->fd(), kSignal);
    Fd child;
    if (opts_.child > 0) {
      child = Fd(static_cast<int>(syscall(SYS_pidfd_open, opts_.child, 0)));
      if (child.get() >= 0) add(child.get(), kChild);
    }
    for (size_t t = 0; t < timers_.size(); ++t) add(timers_[t].fd.get(), t);
    // User addresses can only be symbolized while their process lives:
    // capture the mappings of pids appearing in ustack/usym keys as we go.
    constexpr uint64_t kObserve = kRing + 3;
    Fd observe_timer;
    if (prog_.info->uses_ustack() || prog_.info->uses_usym) {
      observe_timer = Fd(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
      itimerspec spec{};
      spec.it_interval.tv_nsec = 100000000;
      spec.it_value = spec.it_interval;
      timerfd_settime(observe_timer.get(), 0, &spec, nullptr);
      add(observe_timer.get(), kObserve);
    }
    while (!stop_) {
      epoll_event events[16];
      int n = epoll_wait(ep.get(), events, 16, -1);
      if (n < 0 && errno != EINTR) throw Error(std::string("epoll_wait: ") + std::strerror(errno));
      for (int k = 0; k < n && !stop_; ++k) {
        if (events[k].data.u64 == kObserve) {
          uint64_t expirations = 0;
          if (::read(observe_timer.get(), &expirations, sizeof(expirations)) > 0)
            observe_user_pids();
          continue;
        }
        handle(events[k].data.u64, kRing, kSignal, kChild);
      }
      out_.flush();
    }
  }

  void handle(uint64_t tag, uint64_t ring, uint64_t signal, uint64_t child) {
    if (tag == ring) {
      ring_buffer__consume(ring_);
    } else if (tag == signal) {
      opts_.signals->read_signal();
      stop_ = true;
    } else if (tag == child) {
      ring_buffer__consume(ring_);
      stop_ = true;
    } else {
      uint64_t expirations = 0;
      if (::read(timers_[tag].fd.get(), &expirations, sizeof(expirations)) > 0)
        test_run(timers_[tag].probe);
    }
  }

  void observe_user_pids() {
    for (const auto& m : prog_.info->maps) {
      size_t off = 0;
      for (const auto& k : m.key_types) {
        if (k.kind == ast::TypeKind::kUstack || k.kind == ast::TypeKind::kUsym) {
          bool usym = k.kind == ast::TypeKind::kUsym;
          for (uint32_t pid : key_pids(maps_.user.at(m.id).get(), m, off, usym)) {
            if (observed_.insert(pid).second) symbols_.observe(pid);
          }
        }
        off += value_size_of(k);
      }
    }
  }

  void reap_child() {
    if (opts_.child <= 0) return;
    int status = 0;
    if (waitpid(opts_.child, &status, WNOHANG) == 0) {
      kill(opts_.child, SIGTERM);
      waitpid(opts_.child, &status, 0);
    }
  }

  CompiledProgram& prog_;
  SessionOptions opts_;
  std::ostream& out_;
  Maps maps_;
  SessionSymbols symbols_;
  std::vector<std::vector<FormatPiece>> pieces_;
  std::vector<Fd> prog_fds_;
  std::vector<Fd> links_;
  std::vector<Timer> timers_;
  ring_buffer* ring_ = nullptr;
  bool stop_ = false;
  bool in_end_ = false;
  bool discarding_ = false;
  std::set<uint32_t> observed_;
};

}  // namespace

int run_session(CompiledProgram& program, const SessionOptions& options) {
  return Session(program, options).run();
}

}  // namespace ksight::trace::runtime
