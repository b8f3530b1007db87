#include "symbolizer/kernel_build_id.h"

#include <cstdint>
#include <cstring>

#include "symbolizer/elf_object.h"
#include "symbolizer/kallsyms.h"

namespace ksight::symbolizer {
namespace {

constexpr uint32_t kNtGnuBuildId = 3;

size_t align4(size_t n) {
  return (n + 3) & ~size_t{3};
}

}  // namespace

std::string build_id_from_notes(std::string_view notes) {
  size_t pos = 0;
  while (pos + 12 <= notes.size()) {
    uint32_t header[3];
    std::memcpy(header, notes.data() + pos, sizeof header);
    const uint32_t namesz = header[0], descsz = header[1], type = header[2];
    size_t name_at = pos + 12;
    size_t desc_at = name_at + align4(namesz);
    size_t next = desc_at + align4(descsz);
    if (namesz > notes.size() || descsz > notes.size() || next > notes.size() + 3 ||
        desc_at + descsz > notes.size()) {
      return {};  // truncated or corrupt
    }
    std::string_view name = notes.substr(name_at, namesz);
    if (type == kNtGnuBuildId && name == std::string_view("GNU\0", 4) && descsz > 0) {
      return to_hex(notes.data() + desc_at, descsz);
    }
    pos = next;
  }
  return {};
}

std::string kernel_build_id(const std::string& sys_root, const std::string& module) {
  std::string path = module.empty() ? sys_root + "/kernel/notes"
                                    : sys_root + "/module/" + module + "/notes/.note.gnu.build-id";
  auto notes = read_text_file(path);
  return notes ? build_id_from_notes(*notes) : std::string();
}

}  // namespace ksight::symbolizer
