#pragma once
// ELF lookups for user-space probes: which file a "lib:func" target means,
// the file offset of a function symbol (what the uprobe PMU wants), and the
// USDT probes described by .note.stapsdt.
#include <cstdint>
#include <string>
#include <vector>

namespace ksight::trace::runtime {

// "/usr/bin/bash" stays; "libc" or "c" becomes e.g. /lib/x86_64-linux-gnu/libc.so.6.
// Throws Error when nothing matches.
std::string resolve_binary(const std::string& target);

// File offset of function `func` in `path`; throws Error (with the nearest
// symbol names) when it is not there.
uint64_t symbol_file_offset(const std::string& path, const std::string& func);

struct FunctionSymbol {
  std::string name;  // without any @VERSION suffix
  uint64_t file_offset = 0;
  uint64_t size = 0;  // st_size; 0 when the symbol table does not say
};

// Every defined function symbol of `path` (.symtab and .dynsym; a name may
// appear twice). Throws Error when the file is not a readable ELF.
std::vector<FunctionSymbol> function_symbols(const std::string& path);

struct UsdtProbe {
  std::string provider;
  std::string name;
  uint64_t file_offset = 0;  // where the uprobe goes
  uint64_t semaphore = 0;    // 0 when none
  std::string args;          // e.g. "-4@%edi 8@%rsi"
};

std::vector<UsdtProbe> read_usdt_probes(const std::string& path);

}  // namespace ksight::trace::runtime
