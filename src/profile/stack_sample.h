#pragma once
// One raw stack sample as it comes off a ring buffer, before symbolization.
// A view: the stacks point into the ring-buffer record and are only valid
// during the sink call.
#include <cstdint>
#include <span>
#include <string_view>

namespace ksight::profile {

struct StackSample {
  uint64_t timestamp_ns = 0;  // CLOCK_BOOTTIME
  uint32_t pid = 0;           // thread group id
  uint32_t tid = 0;
  uint32_t cpu = 0;
  uint64_t cgroup_id = 0;
  std::string_view comm;
  std::span<const uint64_t> kernel_stack;  // leaf first; empty when not collected
  std::span<const uint64_t> user_stack;    // leaf first
  int32_t kernel_error = 0;                // -errno when the kernel stack could not be taken
  int32_t user_error = 0;
  // Only when the sampler copied the user stack (--unwind dwarf/auto): the
  // user registers in DWARF x86_64 numbering (17: rax..r15, rip) and the
  // bytes of the user stack from rsp upwards. Empty otherwise.
  std::span<const uint64_t> user_regs;
  std::span<const uint8_t> user_stack_copy;
};

}  // namespace ksight::profile
