#pragma once
// Reading allocation profiles in kernel tests: the values that went through
// a known function of a workload (tests/workloads/ualloc_known.cpp).
#include <string>

#include "profile/profile.h"

namespace ksight::testing {

inline bool has_frame(const profile::Profile& p, const profile::Sample& s,
                      const std::string& name) {
  for (uint64_t id : s.location_ids) {
    for (const auto& line : p.location(id).lines) {
      if (line.function == name) return true;
    }
  }
  return false;
}

// Value `index` summed over the samples whose stack passes through `name`.
inline double through(const profile::Profile& p, const std::string& name, size_t index) {
  double sum = 0;
  for (const auto& s : p.samples) {
    if (has_frame(p, s, name)) sum += static_cast<double>(s.values[index]);
  }
  return sum;
}

}  // namespace ksight::testing
