#include "symbolizer/elf_object.h"

#include <elfutils/libdwelf.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>

#include <cstring>
#include <mutex>
#include "symbolizer/plt_symbols.h"

namespace ksight::symbolizer {
namespace {

void init_libelf() {
  static std::once_flag once;
  std::call_once(once, [] { elf_version(EV_CURRENT); });
}

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfPtr = std::unique_ptr<Elf, ElfCloser>;

std::string elf_error_text(const char* what) {
  return std::string(what) + ": " + elf_errmsg(-1);
}

uint8_t binding_rank(unsigned char binding) {
  switch (binding) {
    case STB_GLOBAL:
      return 0;
    case STB_WEAK:
      return 1;
    default:
      return 2;
  }
}

}  // namespace

std::string to_hex(const void* data, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

std::unique_ptr<ElfObject> ElfObject::read_fd(int fd, std::string* error) {
  init_libelf();
  // ELF_C_READ, not ELF_C_READ_MMAP: a file truncated under us must give a
  // read error, not SIGBUS.
  ElfPtr elf(elf_begin(fd, ELF_C_READ, nullptr));
  if (!elf) {
    *error = elf_error_text("elf_begin");
    return nullptr;
  }
  std::unique_ptr<ElfObject> object(new ElfObject());
  if (!object->read(elf.get(), error)) return nullptr;
  return object;
}

std::unique_ptr<ElfObject> ElfObject::read_memory(const void* image, size_t size,
                                                  std::string* error) {
  init_libelf();
  // elf_memory wants a mutable pointer but does not write with ELF_C_READ.
  ElfPtr elf(elf_memory(static_cast<char*>(const_cast<void*>(image)), size));
  if (!elf) {
    *error = elf_error_text("elf_memory");
    return nullptr;
  }
  std::unique_ptr<ElfObject> object(new ElfObject());
  if (!object->read(elf.get(), error)) return nullptr;
  return object;
}

bool ElfObject::read(void* handle, std::string* error) {
  Elf* elf = static_cast<Elf*>(handle);
  if (elf_kind(elf) != ELF_K_ELF) {
    *error = "not an ELF file";
    return false;
  }
  GElf_Ehdr ehdr;
  if (!gelf_getehdr(elf, &ehdr)) {
    *error = elf_error_text("ELF header");
    return false;
  }
  if (!read_segments(elf, error)) return false;
  const void* id = nullptr;
  ssize_t id_size = dwelf_elf_gnu_build_id(elf, &id);
  if (id_size > 0) build_id_ = to_hex(id, id_size);
  GElf_Word crc = 0;
  if (const char* link = dwelf_elf_gnu_debuglink(elf, &crc)) {
    debuglink_ = link;
    debuglink_crc_ = crc;
  }
  read_sections(elf);
  finish_symbols();
  return true;
}

bool ElfObject::read_segments(void* handle, std::string* error) {
  Elf* elf = static_cast<Elf*>(handle);
  size_t count = 0;
  if (elf_getphdrnum(elf, &count) != 0) {
    *error = elf_error_text("program headers");
    return false;
  }
  for (size_t i = 0; i < count; ++i) {
    GElf_Phdr phdr;
    if (!gelf_getphdr(elf, i, &phdr)) {
      *error = elf_error_text("program header");
      return false;
    }
    if (phdr.p_type != PT_LOAD) continue;
    segments_.push_back({phdr.p_vaddr, phdr.p_offset, phdr.p_filesz, (phdr.p_flags & PF_X) != 0});
  }
  return true;
}

void ElfObject::read_sections(void* handle) {
  Elf* elf = static_cast<Elf*>(handle);
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return;  // no sections: segments only
  Elf_Scn* symtab = nullptr;
  Elf_Scn* dynsym = nullptr;
  bool debug_info = false, debug_line = false;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr)) continue;
    const char* name = elf_strptr(elf, shstrndx, shdr.sh_name);
    if (shdr.sh_type == SHT_SYMTAB) symtab = scn;
    if (shdr.sh_type == SHT_DYNSYM) dynsym = scn;
    if (!name || shdr.sh_type == SHT_NOBITS) continue;
    debug_info |= std::strcmp(name, ".debug_info") == 0 || std::strcmp(name, ".zdebug_info") == 0;
    debug_line |= std::strcmp(name, ".debug_line") == 0 || std::strcmp(name, ".zdebug_line") == 0;
  }
  has_dwarf_ = debug_info && debug_line;
  Elf_Scn* chosen = symtab ? symtab : dynsym;
  if (!chosen) return;
  GElf_Shdr shdr;
  if (!gelf_getshdr(chosen, &shdr)) return;
  read_symbols(elf, chosen, shdr.sh_link);
  has_symtab_ = chosen == symtab && !symbols_.empty();
  // A .symtab with no functions (some stripped-then-relinked files): fall back.
  if (symbols_.empty() && chosen == symtab && dynsym && gelf_getshdr(dynsym, &shdr)) {
    read_symbols(elf, dynsym, shdr.sh_link);
  }
  // PLT stubs rank below real symbols, should a symbol table name them too.
  for (const PltEntry& stub : read_plt_entries(elf)) {
    symbols_.push_back({stub.address, stub.size, static_cast<uint32_t>(names_.size()), 3});
    names_.append(stub.name);
    names_.push_back('\0');
  }
}

void ElfObject::read_symbols(void* handle, void* section, uint32_t link) {
  Elf* elf = static_cast<Elf*>(handle);
  Elf_Scn* scn = static_cast<Elf_Scn*>(section);
  Elf_Data* data = elf_getdata(scn, nullptr);
  GElf_Shdr shdr;
  if (!data || !data->d_buf || !gelf_getshdr(scn, &shdr) || shdr.sh_entsize == 0) return;
  size_t count = std::min<size_t>(shdr.sh_size / shdr.sh_entsize, data->d_size / shdr.sh_entsize);
  for (size_t i = 0; i < count; ++i) {
    GElf_Sym sym;
    if (!gelf_getsym(data, static_cast<int>(i), &sym)) break;
    unsigned char type = GELF_ST_TYPE(sym.st_info);
    if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_value == 0) continue;
    if (sym.st_shndx == SHN_UNDEF) continue;
    const char* name = elf_strptr(elf, link, sym.st_name);
    if (!name || !*name) continue;
    symbols_.push_back({sym.st_value, sym.st_size, static_cast<uint32_t>(names_.size()),
                        binding_rank(GELF_ST_BIND(sym.st_info))});
    names_.append(name);
    names_.push_back('\0');
  }
}

void ElfObject::finish_symbols() {
  // One symbol per address: the best-ranked alias, then the shorter name
  // (malloc over __libc_malloc).
  auto better = [this](const Symbol& a, const Symbol& b) {
    if (a.address != b.address) return a.address < b.address;
    if (a.rank != b.rank) return a.rank < b.rank;
    return std::strlen(names_.c_str() + a.name_offset) <
           std::strlen(names_.c_str() + b.name_offset);
  };
  std::sort(symbols_.begin(), symbols_.end(), better);
  auto last = std::unique(symbols_.begin(), symbols_.end(),
                          [](const Symbol& a, const Symbol& b) { return a.address == b.address; });
  symbols_.erase(last, symbols_.end());
  symbols_.shrink_to_fit();
}

uint64_t ElfObject::file_offset_to_vaddr(uint64_t file_offset) const {
  for (const LoadSegment& s : segments_) {
    if (file_offset >= s.file_offset && file_offset < s.file_offset + s.file_size) {
      return file_offset - s.file_offset + s.vaddr;
    }
  }
  // Past every segment's file bytes (e.g. .bss): use the segment that starts
  // closest below.
  const LoadSegment* best = nullptr;
  for (const LoadSegment& s : segments_) {
    if (s.file_offset <= file_offset && (!best || s.file_offset > best->file_offset)) best = &s;
  }
  return best ? file_offset - best->file_offset + best->vaddr : file_offset;
}

std::optional<SymbolHit> ElfObject::lookup(uint64_t vaddr) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), vaddr,
                             [](uint64_t a, const Symbol& s) { return a < s.address; });
  if (it == symbols_.begin()) return std::nullopt;
  --it;
  uint64_t offset = vaddr - it->address;
  // Sized symbols cover exactly their bytes; a gap (PLT, padding) stays unknown.
  // Zero-sized ones (assembly labels) extend to the next symbol.
  if (it->size != 0 && offset >= it->size) return std::nullopt;
  return SymbolHit{std::string_view(names_.c_str() + it->name_offset), offset};
}

size_t ElfObject::approximate_bytes() const {
  return sizeof(*this) + symbols_.capacity() * sizeof(Symbol) + names_.capacity() +
         segments_.capacity() * sizeof(LoadSegment) + build_id_.capacity() + debuglink_.capacity();
}

}  // namespace ksight::symbolizer
