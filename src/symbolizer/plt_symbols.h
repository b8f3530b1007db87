#pragma once
// Names for PLT stubs ("memcpy@plt"), which have no symbol of their own but
// do show up in profiles. x86_64 layout: .rela.plt holds one JUMP_SLOT
// relocation per imported function, in the order of the stubs; .plt starts
// with a 16-byte resolver stub (PLT0) and then one 16-byte stub per
// relocation; with IBT (-z ibtplt / CET) the stubs that code calls are in
// .plt.sec instead, one per relocation, without a PLT0.
#include <cstdint>
#include <string>
#include <vector>

#include <libelf.h>

namespace ksight::symbolizer {

struct PltEntry {
  uint64_t address = 0;  // ELF virtual address of the stub
  uint64_t size = 0;
  std::string name;  // "<imported symbol>@plt"
};

// Empty for objects without a PLT, another architecture, or malformed tables.
std::vector<PltEntry> read_plt_entries(Elf* elf);

}  // namespace ksight::symbolizer
