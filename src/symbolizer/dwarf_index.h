#pragma once
// Source lines and inline frames from DWARF, through elfutils libdw.
//
// Opened lazily the first time an address of an object is symbolized: a
// profile touches a small share of the objects a process maps, and DWARF is
// where the bytes are. Compile units are indexed by their address ranges up
// front (.debug_aranges is often missing, e.g. with clang); the first lookup
// in a unit indexes its functions by address range; each lookup then walks
// one function's DIE tree down to the innermost inlined subroutine.
#include <elfutils/libdw.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ksight::symbolizer {

struct SourceFrame {
  std::string name;          // DW_AT_name (integrated through abstract origins)
  std::string linkage_name;  // DW_AT_linkage_name, empty when none
  std::string file;
  uint32_t line = 0;
  // Address minus the start of the function's range, on the out-of-line
  // function's frame (0 on inlined frames).
  uint64_t function_offset = 0;
};

class DwarfIndex {
 public:
  // Takes ownership of `fd`, which must stay readable. Returns nullptr and
  // sets `error` when the file has no usable DWARF.
  static std::unique_ptr<DwarfIndex> open(int fd, std::string* error);
  ~DwarfIndex();
  DwarfIndex(const DwarfIndex&) = delete;
  DwarfIndex& operator=(const DwarfIndex&) = delete;

  // Frames at `vaddr`, innermost (most deeply inlined) first; the last one is
  // the out-of-line function. Empty when no compile unit covers `vaddr`.
  std::vector<SourceFrame> frames_at(uint64_t vaddr);

  size_t unit_count() const { return ranges_.size(); }
  size_t approximate_bytes() const {
    return debug_bytes_ + ranges_.capacity() * sizeof(UnitRange) +
           function_count_ * sizeof(FunctionRange);
  }

 private:
  struct UnitRange {
    uint64_t start;
    uint64_t end;
    size_t unit;  // index into units_
  };
  struct FunctionRange {
    uint64_t start;
    uint64_t end;
    Dwarf_Die die;
  };
  struct Unit {
    Dwarf_Die die;
    bool indexed = false;
    std::vector<FunctionRange> functions;  // sorted by start, once indexed
  };
  DwarfIndex() = default;
  bool index_units(std::string* error);
  Unit* unit_at(uint64_t vaddr);
  const FunctionRange* function_at(Unit& unit, uint64_t vaddr);

  int fd_ = -1;
  Elf* elf_ = nullptr;
  Dwarf* dwarf_ = nullptr;
  std::vector<Unit> units_;
  size_t function_count_ = 0;
  std::vector<UnitRange> ranges_;  // sorted by start
  size_t debug_bytes_ = 0;
};

}  // namespace ksight::symbolizer
