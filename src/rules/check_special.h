#pragma once
// Checks for the comparisons that are not a plain field against values
// (internal to check.cpp): evt.dir, IP networks, constants.
#include "rules/check.h"

namespace ksight::rules::detail {

// `evt.dir = <`, `evt.dir = >`, `evt.dir in (<, >)`: true (a ksight event is
// the whole syscall); `evt.dir != ...`: false.
CheckPtr compile_dir(const Node& node, Diagnostics& diags);

// `fd.snet = 10.0.0.0/8`, `fd.cnet in ("192.168.0.0/16", "fc00::/7")`; a
// plain address is a /32 (or /128) network.
CheckPtr compile_ipnet(ResolvedField field, const Node& node, Diagnostics& diags);

// A condition part known at load time (NodeKind::kConst).
CheckPtr make_const(bool value);

// `bcontains cafebabe`: the hex text as raw bytes; false when it is not hex.
bool decode_hex(std::string_view hex, std::string* out);

}  // namespace ksight::rules::detail
