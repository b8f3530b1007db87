#pragma once
// SymbolSource over the program's stack maps and ksight's Symbolizer
// (created on first use: most one-liners never print a symbol, and reading
// kallsyms would only slow their start).
#include <memory>

#include "symbolizer/symbolizer.h"
#include "trace/program_info.h"
#include "trace/runtime/loader.h"
#include "trace/runtime/symbols.h"

namespace ksight::trace::runtime {

class SessionSymbols : public SymbolSource {
 public:
  SessionSymbols(const Maps& maps, const ProgramInfo& info) : maps_(maps), info_(info) {}
  std::string kernel_symbol(uint64_t addr, bool with_offset) override;
  std::string user_symbol(uint32_t pid, uint64_t addr, bool with_offset) override;
  std::string user_module(uint32_t pid, uint64_t addr) override;
  std::vector<uint64_t> stack(bool user, uint32_t frames, int32_t id) override;
  // Capture a process's mappings while it is alive (before it exits).
  void observe(uint32_t pid);

 private:
  symbolizer::Symbolizer& symbolizer();
  const Maps& maps_;
  const ProgramInfo& info_;
  std::unique_ptr<symbolizer::Symbolizer> symbolizer_;
};

}  // namespace ksight::trace::runtime
