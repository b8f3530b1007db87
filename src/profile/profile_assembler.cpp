#include "profile/profile_assembler.h"

namespace ksight::profile {

uint64_t ProfileAssembler::mapping_for(const symbolizer::MappedObject& object) {
  auto key = std::make_tuple(object.path, object.start, object.limit, object.file_offset);
  auto it = mappings_.find(key);
  if (it != mappings_.end()) return it->second;
  Mapping mapping;
  mapping.id = profile_.mappings.size() + 1;
  mapping.start = object.start;
  mapping.limit = object.limit;
  mapping.file_offset = object.file_offset;
  mapping.file = object.path;
  mapping.build_id = object.build_id;
  mapping.kernel = object.kernel;
  profile_.mappings.push_back(mapping);
  mappings_.emplace(key, mapping.id);
  return mapping.id;
}

uint64_t ProfileAssembler::location_for(uint32_t pid, uint64_t address,
                                        const symbolizer::SymbolizedAddress& symbolized,
                                        bool kernel) {
  auto key = std::make_tuple(kernel ? 0u : pid, address, kernel);
  auto it = locations_.find(key);
  if (it != locations_.end()) return it->second;

  Location location;
  location.id = profile_.locations.size() + 1;
  location.address = address;
  location.kernel = kernel;
  if (symbolized.object) {
    location.mapping_id = mapping_for(*symbolized.object);
    Mapping& mapping = profile_.mappings[location.mapping_id - 1];
    mapping.has_functions |= symbolized.symbol_found;
  }
  for (const auto& frame : symbolized.frames) {
    location.lines.push_back({frame.function, frame.system_name, frame.file, frame.line});
    if (location.mapping_id != 0) {
      Mapping& mapping = profile_.mappings[location.mapping_id - 1];
      mapping.has_filenames |= !frame.file.empty();
      mapping.has_line_numbers |= frame.line != 0;
      mapping.has_inline_frames |= symbolized.frames.size() > 1;
    }
  }
  if (location.lines.empty()) location.lines.push_back({"[unknown]", "[unknown]", "", 0});
  profile_.locations.push_back(std::move(location));
  locations_.emplace(key, profile_.locations.back().id);
  return profile_.locations.back().id;
}

}  // namespace ksight::profile
