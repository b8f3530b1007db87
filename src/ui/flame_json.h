#pragma once
// The JSON the web UI draws: a flame-graph tree (stacks merged by path, root
// first, the process name as the first frame under "all") and a top table
// (flat = value where the function is the leaf, cumulative = value of the
// stacks it appears in, counted once per stack). With a base profile every
// node and row also carries the base value, for the diff view.
//
// Node: {"n": name, "k": "p"|"u"|"i"|"k" (process, user, inlined, kernel),
//        "v": value, "b": base value (diff only), "c": [children]}
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "profile/profile.h"

namespace ksight::ui {

struct FlameOptions {
  std::string value_type;      // empty: samples, else the default sample type
  double min_fraction = 1e-4;  // nodes narrower than this share of the root are dropped
  size_t top_rows = 500;
};

// {"value_type", "unit", "sample_types": [{type, unit}], "total", "flame",
//  "top": [{name, kind, flat, cum}]}; with `base`: "base_total" and "b",
//  "base_flat", "base_cum". Throws ksight::Error for an unknown value type.
nlohmann::json profile_json(const profile::Profile& profile, const FlameOptions& options,
                            const profile::Profile* base = nullptr);

}  // namespace ksight::ui
