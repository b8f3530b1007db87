#pragma once
// A cached, shareable object: the ELF facts, the (lazily opened) DWARF for
// it, and a bounded memo of resolved addresses. Shared by every process that
// maps the same file (same build-id and size, or same file identity).
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "symbolizer/dwarf_index.h"
#include "symbolizer/elf_object.h"
#include "symbolizer/symbolizer.h"

namespace ksight::symbolizer {

struct ObjectResolution {
  std::vector<Frame> frames;  // innermost first; empty when nothing is known
  bool symbol_found = false;
};

class LoadedObject {
 public:
  // `debug_fd` (may be -1) holds DWARF for this object and is taken over.
  // DWARF failures and debuginfod fetches are counted in `stats` (optional,
  // must outlive the object).
  LoadedObject(std::unique_ptr<ElfObject> elf, int debug_fd, size_t memo_limit,
               SymbolizerStats* stats = nullptr);

  // With no local debug info: ask debuginfod once, at the first resolve().
  void defer_to_debuginfod() { debuginfod_pending_ = true; }
  ~LoadedObject();
  LoadedObject(const LoadedObject&) = delete;
  LoadedObject& operator=(const LoadedObject&) = delete;

  const ElfObject& elf() const { return *elf_; }
  bool has_debug_info() const { return debug_fd_ >= 0 || dwarf_ != nullptr; }

  // Frames for an ELF virtual address. Thread-compatible: callers serialize.
  const ObjectResolution& resolve(uint64_t vaddr);

  size_t approximate_bytes() const;
  // DWARF that failed to open (counted once per object).
  bool dwarf_failed() const { return dwarf_failed_; }

 private:
  ObjectResolution compute(uint64_t vaddr);
  void open_dwarf();

  std::unique_ptr<ElfObject> elf_;
  int debug_fd_ = -1;
  std::unique_ptr<DwarfIndex> dwarf_;
  bool dwarf_failed_ = false;
  bool debuginfod_pending_ = false;
  size_t memo_limit_;
  SymbolizerStats* stats_;
  std::unordered_map<uint64_t, ObjectResolution> memo_;
  size_t memo_bytes_ = 0;
};

}  // namespace ksight::symbolizer
