#include "trace/usdt_args.h"

#include <cctype>
#include <cstdlib>
#include <map>
#include <sstream>

#include "common/error.h"
#include "trace/passes/semantic_analyser.h"

namespace ksight::trace {

namespace {

// Any width of a general register -> its pt_regs name ("eax" -> "ax").
std::string full_register(const std::string& r) {
  static const std::map<std::string, std::string> legacy = {
      {"rax", "ax"}, {"eax", "ax"}, {"ax", "ax"},  {"al", "ax"},  {"rbx", "bx"}, {"ebx", "bx"},
      {"bx", "bx"},  {"bl", "bx"},  {"rcx", "cx"}, {"ecx", "cx"}, {"cx", "cx"},  {"cl", "cx"},
      {"rdx", "dx"}, {"edx", "dx"}, {"dx", "dx"},  {"dl", "dx"},  {"rsi", "si"}, {"esi", "si"},
      {"si", "si"},  {"sil", "si"}, {"rdi", "di"}, {"edi", "di"}, {"di", "di"},  {"dil", "di"},
      {"rbp", "bp"}, {"ebp", "bp"}, {"bp", "bp"},  {"bpl", "bp"}, {"rsp", "sp"}, {"esp", "sp"},
      {"sp", "sp"},  {"spl", "sp"}, {"rip", "ip"}};
  if (auto it = legacy.find(r); it != legacy.end()) return it->second;
  // r8..r15 with an optional d/w/b suffix.
  if (r.size() >= 2 && r[0] == 'r' && std::isdigit(static_cast<unsigned char>(r[1]))) {
    size_t end = 1;
    while (end < r.size() && std::isdigit(static_cast<unsigned char>(r[end]))) ++end;
    std::string suffix = r.substr(end);
    if (suffix.empty() || suffix == "d" || suffix == "w" || suffix == "b") return r.substr(0, end);
  }
  return "";
}

UsdtArg parse_one(const std::string& text, size_t index) {
  auto bad = [&](const std::string& why) -> Error {
    return Error("USDT argument " + std::to_string(index) + " '" + text + "': " + why);
  };
  UsdtArg arg;
  arg.text = text;
  std::string operand = text;
  if (auto at = text.find('@'); at != std::string::npos) {
    int size = std::atoi(text.substr(0, at).c_str());
    arg.is_signed = size < 0;
    arg.size = std::abs(size);
    if (arg.size != 1 && arg.size != 2 && arg.size != 4 && arg.size != 8)
      throw bad("size must be 1, 2, 4 or 8");
    operand = text.substr(at + 1);
  }
  auto reg_offset = [&](const std::string& name) {
    if (name.empty() || name[0] != '%') throw bad("expected a %register");
    int off = pt_regs_offset(full_register(name.substr(1)));
    if (off < 0) throw bad("unknown register " + name);
    if (name == "%rip") throw bad("%rip-relative operands are not supported");
    return off;
  };
  if (operand.empty()) throw bad("empty operand");
  if (operand[0] == '$') {
    char* end = nullptr;
    arg.value = std::strtoll(operand.c_str() + 1, &end, 0);
    if (operand.size() == 1 || *end) throw bad("bad constant");
    return arg;
  }
  if (operand[0] == '%') {
    arg.kind = UsdtArg::Kind::kRegister;
    arg.regs_offset = reg_offset(operand);
    return arg;
  }
  size_t open = operand.find('(');
  if (open == std::string::npos || operand.back() != ')') throw bad("unrecognised operand");
  std::string inner = operand.substr(open + 1, operand.size() - open - 2);
  if (inner.find(',') != std::string::npos) throw bad("indexed addressing is not supported");
  if (open > 0) {
    char* end = nullptr;
    std::string disp = operand.substr(0, open);
    arg.value = std::strtoll(disp.c_str(), &end, 0);
    if (*end) throw bad("bad displacement '" + disp + "'");
  }
  arg.kind = UsdtArg::Kind::kMemory;
  arg.regs_offset = reg_offset(inner);
  return arg;
}

}  // namespace

std::vector<UsdtArg> parse_usdt_args(std::string_view spec) {
  std::vector<UsdtArg> out;
  std::istringstream in{std::string(spec)};
  for (std::string word; in >> word;) out.push_back(parse_one(word, out.size()));
  return out;
}

}  // namespace ksight::trace
