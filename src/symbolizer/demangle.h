#pragma once
#include <string>
#include <string_view>

namespace ksight::symbolizer {

// Demangles an Itanium C++ ABI name ("_Z..."), including Rust's legacy
// mangling (whose trailing "::h<hash>" is dropped); returns other names, and
// mangled names the demangler rejects, unchanged. Rust v0 ("_R") is not
// demangled.
std::string demangle(std::string_view name);

}  // namespace ksight::symbolizer
