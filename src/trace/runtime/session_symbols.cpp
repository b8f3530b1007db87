#include "trace/runtime/session_symbols.h"

#include <bpf/bpf.h>

#include <cstdio>

#include "symbolizer/elf_symbolizer.h"

namespace ksight::trace::runtime {

namespace {

std::string hex(uint64_t addr) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(addr));
  return buf;
}

// The symbol-table name of the address (the outermost frame: bpftrace
// does not expand inlined calls), with "+offset" in decimal as bpftrace
// prints stack frames.
std::string frame_text(const std::vector<symbolizer::SymbolizedAddress>& out, uint64_t addr,
                       bool with_offset) {
  if (out.empty() || out[0].frames.empty()) return hex(addr);
  const symbolizer::Frame& f = out[0].frames.back();
  if (!with_offset || !out[0].symbol_found) return f.function;
  return f.function + "+" + std::to_string(f.symbol_offset);
}

}  // namespace

symbolizer::Symbolizer& SessionSymbols::symbolizer() {
  if (!symbolizer_) {
    symbolizer::SymbolizerOptions options;
    options.debuginfod = false;  // never block trace output on the network
    options.lines = false;       // names from symbol tables; no DWARF to load
    symbolizer_ = symbolizer::make_symbolizer(options);
  }
  return *symbolizer_;
}

std::string SessionSymbols::kernel_symbol(uint64_t addr, bool with_offset) {
  uint64_t a[] = {addr};
  return frame_text(symbolizer().symbolize_kernel(a), addr, with_offset);
}

std::string SessionSymbols::user_symbol(uint32_t pid, uint64_t addr, bool with_offset) {
  symbolizer().observe_process(pid);
  uint64_t a[] = {addr};
  return frame_text(symbolizer().symbolize_user(pid, a), addr, with_offset);
}

std::string SessionSymbols::user_module(uint32_t pid, uint64_t addr) {
  symbolizer().observe_process(pid);
  uint64_t a[] = {addr};
  auto out = symbolizer().symbolize_user(pid, a);
  if (out.empty() || !out[0].object || out[0].object->path.empty()) return "[unknown]";
  return out[0].object->path;
}

void SessionSymbols::observe(uint32_t pid) {
  symbolizer().observe_process(pid);
}

std::vector<uint64_t> SessionSymbols::stack(bool user, uint32_t frames, int32_t id) {
  const auto& specs = info_.stack_maps;
  int fd = -1;
  for (size_t i = 0; i < specs.size() && i < maps_.stacks.size(); ++i) {
    if (specs[i].user == user && specs[i].frames == frames) fd = maps_.stacks[i].get();
  }
  std::vector<uint64_t> out(frames, 0);
  uint32_t key = static_cast<uint32_t>(id);
  if (fd < 0 || bpf_map_lookup_elem(fd, &key, out.data()) != 0) return {};
  size_t n = 0;
  while (n < out.size() && out[n]) ++n;
  out.resize(n);
  return out;
}

}  // namespace ksight::trace::runtime
