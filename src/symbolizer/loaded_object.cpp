#include "symbolizer/loaded_object.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "symbolizer/debug_locator.h"
#include "symbolizer/demangle.h"

namespace ksight::symbolizer {
namespace {

Frame frame_from_source(const SourceFrame& source) {
  Frame frame;
  frame.system_name = source.linkage_name.empty() ? source.name : source.linkage_name;
  frame.function = source.linkage_name.empty() ? source.name : demangle(source.linkage_name);
  frame.file = source.file;
  frame.line = source.line;
  frame.symbol_offset = source.function_offset;
  return frame;
}

size_t frames_bytes(const ObjectResolution& r) {
  size_t bytes = sizeof(r) + 48;  // map node overhead
  for (const Frame& f : r.frames) {
    bytes += sizeof(Frame) + f.function.capacity() + f.system_name.capacity() + f.file.capacity();
  }
  return bytes;
}

}  // namespace

LoadedObject::LoadedObject(std::unique_ptr<ElfObject> elf, int debug_fd, size_t memo_limit,
                           SymbolizerStats* stats)
    : elf_(std::move(elf)), debug_fd_(debug_fd), memo_limit_(memo_limit), stats_(stats) {}

LoadedObject::~LoadedObject() {
  if (debug_fd_ >= 0) ::close(debug_fd_);
}

void LoadedObject::open_dwarf() {
  int fd = debug_fd_;
  debug_fd_ = -1;
  std::string error;
  dwarf_ = DwarfIndex::open(fd, &error);  // owns fd even on failure
  if (!dwarf_) {
    dwarf_failed_ = true;
    if (stats_) ++stats_->dwarf_errors;
    spdlog::debug("symbolizer: DWARF unusable (build-id {}): {}", elf_->build_id(), error);
  }
}

const ObjectResolution& LoadedObject::resolve(uint64_t vaddr) {
  if (auto it = memo_.find(vaddr); it != memo_.end()) return it->second;
  if (memo_.size() >= memo_limit_) {
    memo_.clear();  // a cheap bound: hot addresses come back within a batch
    memo_bytes_ = 0;
  }
  auto [it, inserted] = memo_.emplace(vaddr, compute(vaddr));
  memo_bytes_ += frames_bytes(it->second);
  return it->second;
}

ObjectResolution LoadedObject::compute(uint64_t vaddr) {
  ObjectResolution out;
  auto symbol = elf_->lookup(vaddr);
  if (debuginfod_pending_) {
    debuginfod_pending_ = false;
    if (auto found = find_debuginfod(*elf_)) {
      debug_fd_ = found->fd;
      if (stats_) ++stats_->debuginfod_fetches;
    }
  }
  if (debug_fd_ >= 0) open_dwarf();
  if (dwarf_) {
    for (const SourceFrame& source : dwarf_->frames_at(vaddr)) {
      out.frames.push_back(frame_from_source(source));
    }
  }
  if (symbol) {
    // The symbol table names the out-of-line function exactly (with its
    // mangled name); DWARF adds the file, line and inlined callees.
    Frame outer;
    outer.system_name = std::string(symbol->name);
    outer.function = demangle(symbol->name);
    outer.symbol_offset = symbol->offset;
    if (!out.frames.empty()) {
      outer.file = out.frames.back().file;
      outer.line = out.frames.back().line;
      out.frames.back() = std::move(outer);
    } else {
      out.frames.push_back(std::move(outer));
    }
  }
  // DWARF without a symbol name (stripped .symtab, split debug): keep DWARF's
  // names; frames with no name at all carry only a line and are dropped.
  std::erase_if(out.frames, [](const Frame& f) { return f.function.empty(); });
  out.symbol_found = !out.frames.empty();
  return out;
}

size_t LoadedObject::approximate_bytes() const {
  return elf_->approximate_bytes() + (dwarf_ ? dwarf_->approximate_bytes() : 0) + memo_bytes_;
}

}  // namespace ksight::symbolizer
