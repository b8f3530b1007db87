#pragma once
// One process's unwinding session: a libdwfl Dwfl with the process's ELF
// modules reported at their load addresses and thread callbacks that read
// registers and memory from the sample being unwound, never from the live
// process (it may have moved on or exited).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "unwind/dwarf_unwinder.h"
#include "unwind/stack_snapshot.h"

struct Dwfl;
struct Dwfl_Frame;
struct Dwfl_Thread;

namespace ksight::unwind {

class ProcessUnwinder {
 public:
  using Clock = std::chrono::steady_clock;

  ProcessUnwinder(uint32_t pid, const UnwinderOptions& options);
  ~ProcessUnwinder();
  ProcessUnwinder(const ProcessUnwinder&) = delete;
  ProcessUnwinder& operator=(const ProcessUnwinder&) = delete;

  bool gone() const { return gone_; }
  size_t modules() const { return modules_; }
  Clock::time_point loaded_at() const { return loaded_at_; }
  uint64_t last_use = 0;

  UnwindResult unwind(const StackSnapshot& snapshot, size_t max_depth);
  std::optional<bool> frame_pointer_based(uint64_t pc);
  size_t approximate_bytes() const;

 private:
  void load();
  bool in_executable_mapping(uint64_t pc) const;
  UnwindError classify_failure(const StackSnapshot& snapshot, uint64_t last_pc, size_t depth) const;

  static int on_frame(::Dwfl_Frame* frame, void* arg);
  static pid_t next_thread(Dwfl* dwfl, void* dwfl_arg, void** thread_argp);
  static bool get_thread(Dwfl* dwfl, pid_t tid, void* dwfl_arg, void** thread_argp);
  static bool memory_read(Dwfl* dwfl, uint64_t address, uint64_t* result, void* dwfl_arg);
  static bool set_initial_registers(::Dwfl_Thread* thread, void* thread_arg);

  uint32_t pid_;
  const UnwinderOptions& options_;
  Dwfl* dwfl_ = nullptr;
  bool attached_ = false;
  bool gone_ = false;
  size_t modules_ = 0;
  Clock::time_point loaded_at_{};
  struct Range {
    uint64_t start, limit;
  };
  std::vector<Range> executable_;
  std::unordered_map<uint64_t, bool> fp_memo_;

  // State of the unwind in progress (set by unwind(), read by callbacks).
  const StackSnapshot* current_ = nullptr;
  UnwindResult* result_ = nullptr;
  size_t max_depth_ = 0;
  bool thread_given_ = false;
  bool depth_limited_ = false;
  bool read_fault_ = false;
  uint64_t fault_address_ = 0;
};

}  // namespace ksight::unwind
