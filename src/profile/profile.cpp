#include "profile/profile.h"

namespace ksight::profile {

const std::string& Sample::label(const std::string& key) const {
  static const std::string kEmpty;
  for (const auto& l : labels) {
    if (l.key == key && !l.is_num) return l.str;
  }
  return kEmpty;
}

int Profile::value_index(const std::string& type) const {
  for (size_t i = 0; i < sample_types.size(); ++i) {
    if (sample_types[i].type == type) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace ksight::profile
