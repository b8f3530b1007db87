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

std::string first_frame(const std::vector<symbolizer::SymbolizedAddress>& out, uint64_t addr) {
  if (out.empty() || out[0].frames.empty()) return hex(addr);
  return out[0].frames[0].function;
}

}  // namespace

symbolizer::Symbolizer& SessionSymbols::symbolizer() {
  if (!symbolizer_) {
    symbolizer::SymbolizerOptions options;
    options.debuginfod = false;  // never block trace output on the network
    symbolizer_ = symbolizer::make_symbolizer(options);
  }
  return *symbolizer_;
}

std::string SessionSymbols::kernel_symbol(uint64_t addr, bool) {
  uint64_t a[] = {addr};
  return first_frame(symbolizer().symbolize_kernel(a), addr);
}

std::string SessionSymbols::user_symbol(uint32_t pid, uint64_t addr, bool) {
  symbolizer().observe_process(pid);
  uint64_t a[] = {addr};
  return first_frame(symbolizer().symbolize_user(pid, a), addr);
}

void SessionSymbols::observe(uint32_t pid) {
  symbolizer().observe_process(pid);
}

std::vector<uint64_t> SessionSymbols::stack(bool user, int32_t id) {
  int fd = user ? maps_.ustack.get() : maps_.kstack.get();
  std::vector<uint64_t> frames(127, 0);
  uint32_t key = static_cast<uint32_t>(id);
  if (fd < 0 || bpf_map_lookup_elem(fd, &key, frames.data()) != 0) return {};
  size_t n = 0;
  while (n < frames.size() && frames[n]) ++n;
  frames.resize(n);
  return frames;
}

}  // namespace ksight::trace::runtime
