#include "symbolizer/dwarf_index.h"

#include <dwarf.h>
#include <gelf.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace ksight::symbolizer {
namespace {

// Corrupt DWARF can nest (or loop) arbitrarily; real code stays far below.
constexpr int kMaxDepth = 64;

const char* attr_string(Dwarf_Die* die, unsigned int name) {
  Dwarf_Attribute attr;
  return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

SourceFrame frame_of(Dwarf_Die* die) {
  SourceFrame frame;
  if (const char* name = attr_string(die, DW_AT_name)) frame.name = name;
  const char* linkage = attr_string(die, DW_AT_linkage_name);
  if (!linkage) linkage = attr_string(die, DW_AT_MIPS_linkage_name);
  if (linkage) frame.linkage_name = linkage;
  return frame;
}

bool is_code_scope(int tag) {
  return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block ||
         tag == DW_TAG_try_block || tag == DW_TAG_catch_block;
}

// Appends, outermost first, the inlined subroutines below `parent` whose code
// covers `pc`.
void walk_inlined(Dwarf_Die* parent, Dwarf_Addr pc, int depth, std::vector<Dwarf_Die>* path) {
  if (depth > kMaxDepth) return;
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return;
  do {
    int tag = dwarf_tag(&child);
    if (is_code_scope(tag) && dwarf_haspc(&child, pc) == 1) {
      if (tag == DW_TAG_inlined_subroutine) path->push_back(child);
      walk_inlined(&child, pc, depth + 1, path);
      return;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
}

// Out-of-line function definitions live at unit level, in namespaces, and
// nested in other functions (member functions of local classes, lambdas'
// operator() of some compilers, GNU C nested functions). Their code ranges
// are disjoint, so one sorted list serves lookups.
bool may_hold_functions(int tag) {
  return tag == DW_TAG_namespace || tag == DW_TAG_module || tag == DW_TAG_subprogram ||
         tag == DW_TAG_lexical_block || tag == DW_TAG_class_type || tag == DW_TAG_structure_type ||
         tag == DW_TAG_union_type;
}

template <typename Sink>
void collect_functions(Dwarf_Die* parent, int depth, Sink&& sink) {
  if (depth > kMaxDepth) return;
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return;
  do {
    int tag = dwarf_tag(&child);
    if (tag == DW_TAG_subprogram) {
      Dwarf_Addr base = 0, start = 0, end = 0;
      ptrdiff_t offset = 0;
      while ((offset = dwarf_ranges(&child, offset, &base, &start, &end)) > 0) {
        if (end > start) sink(start, end, child);
      }
    }
    if (may_hold_functions(tag) && dwarf_haschildren(&child)) {
      collect_functions(&child, depth + 1, sink);
    }
  } while (dwarf_siblingof(&child, &child) == 0);
}

std::string call_file(Dwarf_Die* cu, Dwarf_Die* inlined) {
  Dwarf_Attribute attr;
  Dwarf_Word index = 0;
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &index) != 0) return {};
  Dwarf_Files* files = nullptr;
  size_t count = 0;
  if (dwarf_getsrcfiles(cu, &files, &count) != 0 || index >= count) return {};
  const char* name = dwarf_filesrc(files, index, nullptr, nullptr);
  return name ? name : "";
}

uint32_t call_line(Dwarf_Die* inlined) {
  Dwarf_Attribute attr;
  Dwarf_Word line = 0;
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &line) != 0) return 0;
  return static_cast<uint32_t>(line);
}

size_t debug_section_bytes(Elf* elf) {
  size_t shstrndx = 0, total = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return 0;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr)) continue;
    const char* name = elf_strptr(elf, shstrndx, shdr.sh_name);
    if (name && std::strstr(name, "debug_") && shdr.sh_type != SHT_NOBITS) total += shdr.sh_size;
  }
  return total;
}

}  // namespace

std::unique_ptr<DwarfIndex> DwarfIndex::open(int fd, std::string* error) {
  std::unique_ptr<DwarfIndex> index(new DwarfIndex());
  index->fd_ = fd;
  elf_version(EV_CURRENT);
  index->elf_ = elf_begin(fd, ELF_C_READ, nullptr);
  if (!index->elf_) {
    *error = std::string("elf_begin: ") + elf_errmsg(-1);
    return nullptr;
  }
  index->dwarf_ = dwarf_begin_elf(index->elf_, DWARF_C_READ, nullptr);
  if (!index->dwarf_) {
    *error = std::string("dwarf_begin_elf: ") + dwarf_errmsg(-1);
    return nullptr;
  }
  if (!index->index_units(error)) return nullptr;
  index->debug_bytes_ = debug_section_bytes(index->elf_);
  return index;
}

DwarfIndex::~DwarfIndex() {
  if (dwarf_) dwarf_end(dwarf_);
  if (elf_) elf_end(elf_);
  if (fd_ >= 0) ::close(fd_);
}

bool DwarfIndex::index_units(std::string* error) {
  Dwarf_CU* cu = nullptr;
  Dwarf_CU* next = nullptr;
  Dwarf_Half version = 0;
  uint8_t unit_type = 0;
  Dwarf_Die cudie, subdie;
  while (dwarf_get_units(dwarf_, cu, &next, &version, &unit_type, &cudie, &subdie) == 0) {
    cu = next;
    if (unit_type != DW_UT_compile && unit_type != DW_UT_partial) continue;
    size_t unit = units_.size();
    units_.push_back(Unit{cudie, false, {}});
    Dwarf_Addr base = 0, start = 0, end = 0;
    ptrdiff_t offset = 0;
    while ((offset = dwarf_ranges(&cudie, offset, &base, &start, &end)) > 0) {
      if (end > start) ranges_.push_back({start, end, unit});
    }
  }
  if (ranges_.empty()) {
    *error = "no compile unit has address ranges";
    return false;
  }
  std::sort(ranges_.begin(), ranges_.end(),
            [](const UnitRange& a, const UnitRange& b) { return a.start < b.start; });
  return true;
}

DwarfIndex::Unit* DwarfIndex::unit_at(uint64_t vaddr) {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), vaddr,
                             [](uint64_t a, const UnitRange& r) { return a < r.start; });
  // Ranges may nest or overlap slightly; check a few candidates below.
  for (int steps = 0; it != ranges_.begin() && steps < 4; ++steps) {
    --it;
    if (vaddr < it->end) return &units_[it->unit];
  }
  return nullptr;
}

const DwarfIndex::FunctionRange* DwarfIndex::function_at(Unit& unit, uint64_t vaddr) {
  if (!unit.indexed) {
    unit.indexed = true;
    collect_functions(&unit.die, 0, [&](uint64_t start, uint64_t end, const Dwarf_Die& die) {
      unit.functions.push_back({start, end, die});
    });
    std::sort(unit.functions.begin(), unit.functions.end(),
              [](const FunctionRange& a, const FunctionRange& b) { return a.start < b.start; });
    function_count_ += unit.functions.size();
  }
  auto it = std::upper_bound(unit.functions.begin(), unit.functions.end(), vaddr,
                             [](uint64_t a, const FunctionRange& f) { return a < f.start; });
  for (int steps = 0; it != unit.functions.begin() && steps < 4; ++steps) {
    --it;
    if (vaddr < it->end) return &*it;
  }
  return nullptr;
}

std::vector<SourceFrame> DwarfIndex::frames_at(uint64_t vaddr) {
  Unit* unit = unit_at(vaddr);
  if (!unit) return {};
  std::vector<Dwarf_Die> path;
  const FunctionRange* function = function_at(*unit, vaddr);
  if (function) {
    path.push_back(function->die);
    Dwarf_Die die = function->die;
    walk_inlined(&die, vaddr, 0, &path);
  }
  Dwarf_Die* cu = &unit->die;
  std::vector<SourceFrame> frames;
  std::string file;
  uint32_t line = 0;
  if (Dwarf_Line* row = dwarf_getsrc_die(cu, vaddr)) {
    if (const char* src = dwarf_linesrc(row, nullptr, nullptr)) file = src;
    int lineno = 0;
    if (dwarf_lineno(row, &lineno) == 0 && lineno > 0) line = static_cast<uint32_t>(lineno);
  }
  for (auto die = path.rbegin(); die != path.rend(); ++die) {
    SourceFrame frame = frame_of(&*die);
    frame.file = file;
    frame.line = line;
    bool inlined = dwarf_tag(&*die) == DW_TAG_inlined_subroutine;
    if (!inlined && function) frame.function_offset = vaddr - function->start;
    frames.push_back(std::move(frame));
    if (!inlined) break;
    file = call_file(cu, &*die);
    line = call_line(&*die);
  }
  if (frames.empty() && (!file.empty() || line != 0)) {
    frames.push_back(SourceFrame{"", "", file, line});  // a line row but no function DIE
  }
  return frames;
}

}  // namespace ksight::symbolizer
