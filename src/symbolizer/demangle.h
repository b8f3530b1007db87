#pragma once
#include <string>
#include <string_view>

namespace ksight::symbolizer {

// Demangles an Itanium C++ ABI name ("_Z..."); returns other names unchanged,
// and mangled names the demangler rejects unchanged too.
std::string demangle(std::string_view name);

}  // namespace ksight::symbolizer
