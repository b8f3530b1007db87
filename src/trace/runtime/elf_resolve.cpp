#include "trace/runtime/elf_resolve.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "common/error.h"
#include "trace/diagnostics.h"

namespace ksight::trace::runtime {

namespace {

class ElfFile {
 public:
  explicit ElfFile(const std::string& path) : path_(path) {
    elf_version(EV_CURRENT);
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error("cannot open " + path + ": " + std::strerror(errno));
    elf_ = elf_begin(fd_, ELF_C_READ, nullptr);
    if (!elf_ || elf_kind(elf_) != ELF_K_ELF) {
      cleanup();
      throw Error(path + " is not an ELF file");
    }
  }
  ~ElfFile() { cleanup(); }
  Elf* get() const { return elf_; }

  // vaddr -> file offset through the PT_LOAD segment containing it.
  uint64_t vaddr_to_offset(uint64_t vaddr) const {
    size_t n = 0;
    elf_getphdrnum(elf_, &n);
    for (size_t i = 0; i < n; ++i) {
      GElf_Phdr ph;
      if (!gelf_getphdr(elf_, static_cast<int>(i), &ph) || ph.p_type != PT_LOAD) continue;
      if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz)
        return vaddr - ph.p_vaddr + ph.p_offset;
    }
    return vaddr;
  }

  void for_each_section(
      const std::function<void(Elf_Scn*, const GElf_Shdr&, const char*)>& fn) const {
    size_t shstrndx = 0;
    elf_getshdrstrndx(elf_, &shstrndx);
    for (Elf_Scn* scn = elf_nextscn(elf_, nullptr); scn; scn = elf_nextscn(elf_, scn)) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh)) continue;
      fn(scn, sh, elf_strptr(elf_, shstrndx, sh.sh_name));
    }
  }

 private:
  void cleanup() {
    if (elf_) elf_end(elf_);
    if (fd_ >= 0) ::close(fd_);
    elf_ = nullptr;
    fd_ = -1;
  }
  std::string path_;
  int fd_ = -1;
  Elf* elf_ = nullptr;
};

}  // namespace

std::string resolve_binary(const std::string& target) {
  if (target.find('/') != std::string::npos) {
    if (!std::filesystem::exists(target)) throw Error(target + ": no such file");
    return target;
  }
  std::string lib = target.rfind("lib", 0) == 0 ? target : "lib" + target;
  for (const char* dir : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
                          "/usr/lib", "/lib", "/usr/local/lib"}) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind(lib + ".so", 0) == 0) return std::filesystem::canonical(entry.path()).string();
    }
  }
  // Maybe a program in $PATH.
  for (const char* dir : {"/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
    std::string candidate = std::string(dir) + "/" + target;
    if (std::filesystem::exists(candidate)) return candidate;
  }
  throw Error("cannot find library or program '" + target + "'");
}

std::vector<FunctionSymbol> function_symbols(const std::string& path) {
  ElfFile elf(path);
  std::vector<FunctionSymbol> out;
  elf.for_each_section([&](Elf_Scn* scn, const GElf_Shdr& sh, const char*) {
    if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) return;
    Elf_Data* data = elf_getdata(scn, nullptr);
    size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
    for (size_t i = 0; data && i < count; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(data, static_cast<int>(i), &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
          sym.st_value == 0) {
        continue;
      }
      const char* name = elf_strptr(elf.get(), sh.sh_link, sym.st_name);
      if (!name) continue;
      std::string n(name);
      if (auto at = n.find('@'); at != std::string::npos) n.resize(at);
      out.push_back({std::move(n), elf.vaddr_to_offset(sym.st_value), sym.st_size});
    }
  });
  return out;
}

uint64_t symbol_file_offset(const std::string& path, const std::string& func) {
  uint64_t found = 0;
  std::vector<std::string> names;
  for (auto& s : function_symbols(path)) {
    if (s.name == func) {
      found = s.file_offset;
      break;
    }
    if (names.size() < 200000) names.push_back(std::move(s.name));
  }
  if (!found) {
    std::string hint = suggest(func, names);
    throw Error("function '" + func + "' not found in " + path +
                (hint.empty() ? "" : " (" + hint + ")"));
  }
  return found;
}

// Each note: provider, name, args after three addresses (pc, base, semaphore).
std::vector<UsdtProbe> read_usdt_probes(const std::string& path) {
  ElfFile elf(path);
  std::vector<UsdtProbe> probes;
  uint64_t base_addr = 0;
  bool have_base = false;
  elf.for_each_section([&](Elf_Scn*, const GElf_Shdr& sh, const char* name) {
    if (name && std::strcmp(name, ".stapsdt.base") == 0) {
      base_addr = sh.sh_addr;
      have_base = true;
    }
  });
  elf.for_each_section([&](Elf_Scn* scn, const GElf_Shdr& sh, const char* name) {
    if (sh.sh_type != SHT_NOTE || !name || std::strcmp(name, ".note.stapsdt") != 0) return;
    Elf_Data* data = elf_getdata(scn, nullptr);
    size_t off = 0, name_off = 0, desc_off = 0;
    GElf_Nhdr nh;
    while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
      if (nh.n_type != 3 || nh.n_descsz < 24) continue;
      const char* desc = static_cast<const char*>(data->d_buf) + desc_off;
      uint64_t pc, base, sem;
      std::memcpy(&pc, desc, 8);
      std::memcpy(&base, desc + 8, 8);
      std::memcpy(&sem, desc + 16, 8);
      if (have_base) pc += base_addr - base;
      UsdtProbe p;
      const char* s = desc + 24;
      p.provider = s;
      s += p.provider.size() + 1;
      p.name = s;
      s += p.name.size() + 1;
      p.args = s;
      p.file_offset = elf.vaddr_to_offset(pc);
      p.semaphore = sem;
      probes.push_back(std::move(p));
    }
  });
  return probes;
}

}  // namespace ksight::trace::runtime
