#pragma once
// x86_64 syscall names (the generated table in syscall_table_x86_64.inc).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ksight::agent {

// "openat" for 257; "syscall_<nr>" for numbers the table does not know.
std::string syscall_name(uint32_t nr);
std::optional<uint32_t> syscall_number(std::string_view name);

}  // namespace ksight::agent
