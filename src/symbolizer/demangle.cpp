#include "symbolizer/demangle.h"

#include <cxxabi.h>

#include <cctype>
#include <cstdlib>
#include <memory>

namespace ksight::symbolizer {
namespace {

// Rust's legacy mangling is Itanium-shaped and ends in a hash segment
// ("::h0123456789abcdef") that only makes names longer in a flame graph.
std::string strip_rust_hash(std::string name) {
  constexpr size_t kHashSegment = 3 + 16;  // "::h" + 16 hex digits
  if (name.size() <= kHashSegment) return name;
  size_t at = name.size() - kHashSegment;
  if (name.compare(at, 3, "::h") != 0) return name;
  for (size_t i = at + 3; i < name.size(); ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return name;
  }
  name.resize(at);
  return name;
}

}  // namespace

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
  return strip_rust_hash(out.get()) + version;
}

}  // namespace ksight::symbolizer
