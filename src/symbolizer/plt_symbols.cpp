#include "symbolizer/plt_symbols.h"

#include <gelf.h>

#include <cstring>

namespace ksight::symbolizer {
namespace {

constexpr uint64_t kStubSize = 16;

struct PltSections {
  Elf_Scn* rela_plt = nullptr;
  GElf_Shdr plt{};
  GElf_Shdr plt_sec{};
  bool has_plt = false;
  bool has_plt_sec = false;
};

PltSections find_sections(Elf* elf, size_t shstrndx) {
  PltSections found;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr)) continue;
    const char* name = elf_strptr(elf, shstrndx, shdr.sh_name);
    if (!name) continue;
    if (std::strcmp(name, ".rela.plt") == 0 && shdr.sh_type == SHT_RELA) found.rela_plt = scn;
    if (std::strcmp(name, ".plt") == 0) {
      found.plt = shdr;
      found.has_plt = true;
    }
    if (std::strcmp(name, ".plt.sec") == 0) {
      found.plt_sec = shdr;
      found.has_plt_sec = true;
    }
  }
  return found;
}

// Names of the relocations' symbols, in stub order.
std::vector<std::string> imported_names(Elf* elf, Elf_Scn* rela_plt) {
  std::vector<std::string> names;
  GElf_Shdr rela_shdr, sym_shdr;
  Elf_Data* relocs = elf_getdata(rela_plt, nullptr);
  if (!relocs || !relocs->d_buf || !gelf_getshdr(rela_plt, &rela_shdr) ||
      rela_shdr.sh_entsize == 0) {
    return names;
  }
  Elf_Scn* dynsym = elf_getscn(elf, rela_shdr.sh_link);
  Elf_Data* symbols = dynsym ? elf_getdata(dynsym, nullptr) : nullptr;
  // A corrupt sh_link may point anywhere, e.g. at a NOBITS section.
  if (!symbols || !symbols->d_buf || !gelf_getshdr(dynsym, &sym_shdr) ||
      (sym_shdr.sh_type != SHT_DYNSYM && sym_shdr.sh_type != SHT_SYMTAB)) {
    return names;
  }
  size_t count = relocs->d_size / rela_shdr.sh_entsize;
  for (size_t i = 0; i < count; ++i) {
    GElf_Rela rela;
    GElf_Sym sym;
    const char* name = nullptr;
    if (gelf_getrela(relocs, static_cast<int>(i), &rela) &&
        gelf_getsym(symbols, static_cast<int>(GELF_R_SYM(rela.r_info)), &sym)) {
      name = elf_strptr(elf, sym_shdr.sh_link, sym.st_name);
    }
    names.push_back(name && *name ? std::string(name) + "@plt" : std::string("[plt]"));
  }
  return names;
}

void add_stubs(const GElf_Shdr& section, uint64_t first_stub, const std::vector<std::string>& names,
               std::vector<PltEntry>* out) {
  for (size_t i = 0; i < names.size(); ++i) {
    uint64_t address = section.sh_addr + first_stub + i * kStubSize;
    if (address + kStubSize > section.sh_addr + section.sh_size) break;
    out->push_back({address, kStubSize, names[i]});
  }
}

}  // namespace

std::vector<PltEntry> read_plt_entries(Elf* elf) {
  std::vector<PltEntry> out;
  GElf_Ehdr ehdr;
  size_t shstrndx = 0;
  if (!gelf_getehdr(elf, &ehdr) || ehdr.e_machine != EM_X86_64) return out;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return out;
  PltSections sections = find_sections(elf, shstrndx);
  if (!sections.rela_plt) return out;
  std::vector<std::string> names = imported_names(elf, sections.rela_plt);
  if (sections.has_plt_sec) add_stubs(sections.plt_sec, 0, names, &out);
  if (sections.has_plt) add_stubs(sections.plt, kStubSize, names, &out);  // after PLT0
  return out;
}

}  // namespace ksight::symbolizer
