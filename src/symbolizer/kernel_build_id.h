#pragma once
// GNU build-ids of the running kernel and its modules, from the ELF notes the
// kernel exports: /sys/kernel/notes and /sys/module/<name>/notes/.note.gnu.build-id.
// They let pprof mappings of kernel frames be matched with a vmlinux later.
//
// Note layout (each field 4-byte aligned, host endian):
//   note = namesz:u32 descsz:u32 type:u32 name[namesz] desc[descsz]
// The build-id is the desc of the note with name "GNU" and type 3.
#include <string>
#include <string_view>

namespace ksight::symbolizer {

// Lowercase hex build-id from a blob of ELF notes; empty when none.
std::string build_id_from_notes(std::string_view notes);

// "" for the kernel image, else a module name. Empty when unreadable.
std::string kernel_build_id(const std::string& sys_root, const std::string& module);

}  // namespace ksight::symbolizer
