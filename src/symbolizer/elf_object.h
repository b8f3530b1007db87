#pragma once
// One ELF file as the symbolizer needs it: identity (build-id), how file
// offsets map to virtual addresses (PT_LOAD), and its function symbols.
// Everything is read once, up front, so the object stays usable after the
// process that mapped it exits; the file descriptor is kept only when DWARF
// will be read lazily (see dwarf_index.h).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ksight::symbolizer {

struct LoadSegment {
  uint64_t vaddr = 0;
  uint64_t file_offset = 0;
  uint64_t file_size = 0;
  bool executable = false;
};

struct SymbolHit {
  std::string_view name;  // as in the symbol table (mangled)
  uint64_t offset = 0;    // vaddr - symbol start
};

class ElfObject {
 public:
  // Reads the ELF in `fd` (not taken over; the caller closes it). Returns
  // nullptr and sets `error` for files that are not ELF, corrupt or truncated.
  static std::unique_ptr<ElfObject> read_fd(int fd, std::string* error);
  // Same, from an image in memory (the vDSO).
  static std::unique_ptr<ElfObject> read_memory(const void* image, size_t size, std::string* error);

  // ELF virtual address for a file offset, through the PT_LOAD headers.
  uint64_t file_offset_to_vaddr(uint64_t file_offset) const;
  // The function symbol covering `vaddr` (.symtab, else .dynsym).
  std::optional<SymbolHit> lookup(uint64_t vaddr) const;

  const std::string& build_id() const { return build_id_; }    // lowercase hex
  const std::string& debuglink() const { return debuglink_; }  // .gnu_debuglink name
  uint32_t debuglink_crc() const { return debuglink_crc_; }
  bool has_dwarf() const { return has_dwarf_; }  // .debug_info and .debug_line present
  bool has_symtab() const { return has_symtab_; }
  size_t symbol_count() const { return symbols_.size(); }
  const std::vector<LoadSegment>& segments() const { return segments_; }
  size_t approximate_bytes() const;

 private:
  struct Symbol {
    uint64_t address;
    uint64_t size;
    uint32_t name_offset;
    uint8_t rank;  // binding preference among aliases: global < weak < local
  };
  bool read(void* elf, std::string* error);
  bool read_segments(void* elf, std::string* error);
  void read_sections(void* elf);
  void read_symbols(void* elf, void* section, uint32_t link);
  void finish_symbols();

  std::string build_id_;
  std::string debuglink_;
  uint32_t debuglink_crc_ = 0;
  bool has_dwarf_ = false;
  bool has_symtab_ = false;
  std::vector<LoadSegment> segments_;
  std::vector<Symbol> symbols_;  // sorted by address, one per address
  std::string names_;            // NUL-separated
};

// Lowercase hex of raw bytes.
std::string to_hex(const void* data, size_t size);

}  // namespace ksight::symbolizer
