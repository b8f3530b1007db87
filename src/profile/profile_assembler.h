#pragma once
// Builds the tables of a profile::Profile (mappings, locations) from
// symbolized addresses, deduplicating as it goes. Shared by every profile
// type (CPU, off-CPU, allocations) so they all name frames the same way.
#include <cstdint>
#include <map>
#include <tuple>

#include "profile/profile.h"
#include "symbolizer/symbolizer.h"

namespace ksight::profile {

class ProfileAssembler {
 public:
  explicit ProfileAssembler(Profile& profile) : profile_(profile) {}

  // The location id for `symbolized`, seen in process `pid` (0 for the
  // kernel). `address` is the runtime address recorded in the location.
  uint64_t location_for(uint32_t pid, uint64_t address,
                        const symbolizer::SymbolizedAddress& symbolized, bool kernel);

 private:
  uint64_t mapping_for(const symbolizer::MappedObject& object);

  Profile& profile_;
  std::map<std::tuple<uint32_t, uint64_t, bool>, uint64_t> locations_;
  std::map<std::tuple<std::string, uint64_t, uint64_t, uint64_t>, uint64_t> mappings_;
};

}  // namespace ksight::profile
