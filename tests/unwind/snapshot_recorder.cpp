// Built with -fomit-frame-pointer (tests/unwind/CMakeLists.txt): the frames
// recorded here are the kind a frame-pointer walk cannot cross.
#include "snapshot_recorder.h"

#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "symbolizer/proc_maps.h"

using ksight::unwind::RecordedSnapshot;

namespace {

std::string read_self_maps() {
  std::ifstream in("/proc/self/maps");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ucontext general registers in DWARF x86_64 order.
constexpr int kGregForDwarf[ksight::unwind::kUserRegs] = {
    REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI, REG_RBP, REG_RSP, REG_R8,
    REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP};

}  // namespace

extern "C" {

__attribute__((noinline)) void ksight_rec_capture(RecordedSnapshot* out, size_t stack_bytes) {
  ucontext_t context;
  getcontext(&context);
  for (int i = 0; i < ksight::unwind::kUserRegs; ++i) {
    out->regs[i] = static_cast<uint64_t>(context.uc_mcontext.gregs[kGregForDwarf[i]]);
  }
  out->maps = read_self_maps();
  uint64_t sp = out->regs[ksight::unwind::kRegRsp];
  uint64_t end = sp + stack_bytes;
  for (const auto& e : ksight::symbolizer::parse_maps(out->maps)) {
    if (sp >= e.start && sp < e.limit) end = std::min<uint64_t>(end, e.limit);
  }
  out->stack.resize(end - sp);
  std::memcpy(out->stack.data(), reinterpret_cast<const void*>(sp), end - sp);
  out->pid = static_cast<uint32_t>(getpid());
  out->tid = static_cast<uint32_t>(syscall(SYS_gettid));
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void ksight_rec_leaf(RecordedSnapshot* out, size_t bytes) {
  ksight_rec_capture(out, bytes);
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void ksight_rec_middle(RecordedSnapshot* out, size_t bytes) {
  ksight_rec_leaf(out, bytes);
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void ksight_rec_outer(RecordedSnapshot* out, size_t bytes) {
  ksight_rec_middle(out, bytes);
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void ksight_rec_recurse(int depth, RecordedSnapshot* out, size_t bytes) {
  if (depth <= 0) {
    ksight_rec_capture(out, bytes);
  } else {
    ksight_rec_recurse(depth - 1, out, bytes);
  }
  __asm__ volatile("" ::: "memory");
}

}  // extern "C"

namespace ksight::testing {

unwind::RecordedSnapshot record_chain(size_t stack_bytes) {
  RecordedSnapshot s;
  ksight_rec_outer(&s, stack_bytes);
  return s;
}

unwind::RecordedSnapshot record_recursion(int depth, size_t stack_bytes) {
  RecordedSnapshot s;
  ksight_rec_recurse(depth, &s, stack_bytes);
  return s;
}

}  // namespace ksight::testing
