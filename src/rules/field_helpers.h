#pragma once
// Small helpers shared by the fields_<family>.cpp tables (internal).
#include <string_view>

#include "rules/fields.h"

namespace ksight::rules::detail {

inline bool set_str(FieldValue& out, std::string_view value) {
  out.str = value;
  return !value.empty();
}

inline bool set_num(FieldValue& out, int64_t value) {
  out.num = value;
  return true;
}

}  // namespace ksight::rules::detail
