#pragma once
// Creates the program's maps and loads its BPF programs with libbpf's
// low-level API. A verifier rejection becomes a CompileError pointing at the
// statement whose instruction the verifier refused.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trace/codegen/codegen.h"
#include "trace/program_info.h"

namespace ksight::trace::runtime {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  ~Fd();
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_ = -1;
};

struct Maps {
  Fd scratch, ringbuf;
  std::vector<Fd> stacks;  // by index in ProgramInfo::stack_maps
  std::vector<Fd> user;    // by MapInfo::id
  int fd_for(int map_id) const;
};

// One-liners print a few records per event, and a ring buffer's pages are
// allocated and memcg-charged when it is created: 8 MiB cost ~1.4 ms of the
// start-up. 1 MiB holds ~30k printf records (bpftrace's perf buffers hold
// 256 KiB per CPU); what does not fit is counted, never silent.
inline constexpr uint32_t kDefaultRingbufBytes = 1u << 20;

// Creates every map the programs may reference. `ringbuf_bytes` must be a
// power of two multiple of the page size.
Maps create_maps(const ProgramInfo& info, uint32_t ringbuf_bytes = kDefaultRingbufBytes);

// Records the BPF side could not put in the ring buffer, summed over CPUs.
uint64_t lost_records(const Maps& maps);

// Patches map fds into the instructions and loads the program. Throws
// CompileError (verifier) or CapabilityError (EPERM without a log).
Fd load_program(const codegen::ProbeProgram& prog, const Maps& maps, std::string_view source);

// From a verifier log: the index of the instruction it failed on (or -1)
// and the reason line. Exposed for unit tests.
struct VerifierFailure {
  long insn = -1;
  std::string reason;
};
VerifierFailure parse_verifier_log(std::string_view log);
// The hint shown under a verifier rejection with this reason.
std::string verifier_hint(std::string_view reason);

}  // namespace ksight::trace::runtime
