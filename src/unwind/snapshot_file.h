#pragma once
// A recorded sample for replaying the unwinder offline (unit tests, bug
// reports): registers, stack bytes and the process's maps text. Binary,
// little-endian, versioned:
//
//   file   = magic "KSUNWND1" pid:u32 tid:u32 regs:u64[17]
//            stack_size:u32 stack:u8[stack_size] maps_size:u32 maps:u8[maps_size]
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "unwind/stack_snapshot.h"

namespace ksight::unwind {

struct RecordedSnapshot {
  uint32_t pid = 0;
  uint32_t tid = 0;
  UserRegs regs{};
  std::vector<uint8_t> stack;
  std::string maps;  // /proc/PID/maps as it was when recorded

  StackSnapshot view() const { return {pid, tid, regs, stack}; }
};

void write_snapshot(std::ostream& out, const RecordedSnapshot& snapshot);
// nullopt on a bad magic, a truncated file or sizes beyond the limits.
std::optional<RecordedSnapshot> read_snapshot(std::istream& in);

}  // namespace ksight::unwind
