#include "symbolizer/demangle.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace ksight::symbolizer {

std::string demangle(std::string_view name) {
  if (!name.starts_with("_Z")) return std::string(name);
  std::string mangled(name);
  // Versioned symbols ("_Z3foov@@LIB_1.0") demangle without the version.
  std::string version;
  if (size_t at = mangled.find('@'); at != std::string::npos) {
    version = mangled.substr(at);
    mangled.resize(at);
  }
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> out(
      abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), &std::free);
  if (status != 0 || !out) return std::string(name);
  return std::string(out.get()) + version;
}

}  // namespace ksight::symbolizer
