#include "trace/runtime/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/error.h"
#include "trace/diagnostics.h"

namespace ksight::trace::runtime {

namespace {

constexpr uint32_t kMapEntries = 10240;
constexpr uint32_t kStackEntries = 4096;

Fd make_map(bpf_map_type type, const char* name, uint32_t key, uint32_t value, uint32_t entries) {
  int fd = bpf_map_create(type, name, key, value, entries, nullptr);
  if (fd < 0) {
    int err = errno;
    std::string msg = std::string("cannot create BPF map ") + name + ": " + std::strerror(err);
    if (err == EPERM || err == EACCES) throw CapabilityError(msg + " (needs root / CAP_BPF)");
    throw Error(msg);
  }
  return Fd(fd);
}

std::string map_name(const MapInfo& m) {
  std::string n = "m_" + (m.name.size() > 1 ? m.name.substr(1) : std::string("anon"));
  if (n.size() > 15) n.resize(15);
  return n;
}

bpf_map_type map_type_for(const MapInfo& m) {
  return m.per_cpu() ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
}

}  // namespace

std::string verifier_hint(std::string_view reason) {
  // A while loop the verifier could not prove finite: it walks every
  // iteration, within 1M instructions in all.
  if (reason.find("infinite loop") != std::string_view::npos ||
      reason.find("program is too large") != std::string_view::npos ||
      reason.find("back-edge") != std::string_view::npos) {
    return "a while loop must end within the verifier's budget of 1M instructions, counted over "
           "every iteration: loop fewer times (while ($i < 100) { ... $i++; }); run with "
           "--log-level debug for the verifier log";
  }
  return "run with --log-level debug for the full verifier log";
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

int Maps::fd_for(int map_id) const {
  switch (map_id) {
    case codegen::kScratchMap:
      return scratch.get();
    case codegen::kRingbufMap:
      return ringbuf.get();
    default:
      if (map_id <= codegen::kStackMapBase) return stacks.at(codegen::kStackMapBase - map_id).get();
      return user.at(map_id).get();
  }
}

Maps create_maps(const ProgramInfo& info, uint32_t ringbuf_bytes) {
  Maps maps;
  maps.scratch = make_map(BPF_MAP_TYPE_PERCPU_ARRAY, "scratch", 4, codegen::kScratchSize, 1);
  maps.ringbuf = make_map(BPF_MAP_TYPE_RINGBUF, "records", 0, 0, ringbuf_bytes);
  // The value size is the frame limit: bpf_get_stackid keeps that many.
  for (const auto& s : info.stack_maps) {
    maps.stacks.push_back(make_map(BPF_MAP_TYPE_STACK_TRACE, s.user ? "ustack" : "kstack", 4,
                                   s.frames * 8, kStackEntries));
  }
  for (const auto& m : info.maps) {
    maps.user.push_back(
        make_map(map_type_for(m), map_name(m).c_str(), m.key_size(), m.value_size(), kMapEntries));
  }
  return maps;
}

uint64_t lost_records(const Maps& maps) {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0 || maps.scratch.get() < 0) return 0;
  std::vector<uint8_t> values(static_cast<size_t>(cpus) * codegen::kScratchSize);
  uint32_t key = 0;
  if (bpf_map_lookup_elem(maps.scratch.get(), &key, values.data()) != 0) return 0;
  uint64_t lost = 0;
  for (int cpu = 0; cpu < cpus; ++cpu) {
    uint64_t n = 0;
    std::memcpy(&n, values.data() + cpu * codegen::kScratchSize + codegen::kLostCounterOffset,
                sizeof(n));
    lost += n;
  }
  return lost;
}

VerifierFailure parse_verifier_log(std::string_view log) {
  VerifierFailure out;
  std::istringstream in{std::string(log)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    size_t colon = line.find(": (");
    bool insn_line =
        colon != std::string::npos && colon > 0 && line.find_first_not_of("0123456789") == colon;
    if (insn_line) {
      out.insn = std::stol(line.substr(0, colon));
      continue;
    }
    if (line.rfind("processed ", 0) == 0 || line.rfind("verification time", 0) == 0 ||
        line.rfind("stack depth", 0) == 0 || line.rfind("from ", 0) == 0 ||
        line.find_first_not_of("0123456789") != 0 || line.rfind("; ", 0) == 0 ||
        line.rfind("cur state:", 0) == 0 || line.rfind("old state:", 0) == 0) {
      continue;
    }
    out.reason = line;
  }
  return out;
}

Fd load_program(const codegen::ProbeProgram& prog, const Maps& maps, std::string_view source) {
  std::vector<bpf_insn> insns = prog.insns;
  for (const auto& r : prog.relocs) insns[r.insn].imm = maps.fd_for(r.map_id);
  bpf_prog_load_opts opts{};
  opts.sz = sizeof(opts);
  int fd = bpf_prog_load(prog.type, "ksight_trace", "GPL", insns.data(), insns.size(), &opts);
  if (fd >= 0) return Fd(fd);
  int err = errno;
  if (err == EPERM && geteuid() != 0) {
    throw CapabilityError("cannot load BPF program for " + prog.name + ": " + std::strerror(err) +
                          " (run as root or with CAP_BPF and CAP_PERFMON)");
  }
  // Load again with the verifier log to say why.
  std::string log(16u << 20, '\0');
  bpf_prog_load_opts verbose{};
  verbose.sz = sizeof(verbose);
  verbose.log_level = 1;
  verbose.log_size = static_cast<uint32_t>(log.size());
  verbose.log_buf = log.data();
  fd = bpf_prog_load(prog.type, "ksight_trace", "GPL", insns.data(), insns.size(), &verbose);
  if (fd >= 0) return Fd(fd);
  err = errno;
  log.resize(std::strlen(log.c_str()));
  spdlog::debug("verifier log for {}:\n{}", prog.name, log);
  VerifierFailure failure = parse_verifier_log(log);
  std::string reason = failure.reason.empty() ? std::strerror(err) : failure.reason;
  ast::Location loc = failure.insn >= 0 && static_cast<size_t>(failure.insn) < prog.locations.size()
                          ? prog.locations[failure.insn]
                      : prog.locations.empty() ? ast::Location{}
                                               : prog.locations.front();
  fail(source, loc,
       "the BPF verifier rejected the program for " + prog.name +
           (failure.insn >= 0 ? " at instruction " + std::to_string(failure.insn) : "") + ": " +
           reason,
       verifier_hint(reason));
}

}  // namespace ksight::trace::runtime
