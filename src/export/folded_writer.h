#pragma once
// Brendan Gregg's collapsed-stack format, as flamegraph.pl, speedscope and
// inferno read it: one "root;caller;leaf count" line per distinct stack.
#include <memory>
#include <string>

#include "export/profile_writer.h"

namespace ksight::exporter {

// Lines are sorted, identical stacks summed and zero totals dropped, so the
// output is deterministic. The root frame is the `comm` label; kernel frames
// end in "_[k]" (flamegraph.pl colours them as kernel); ';' in names becomes
// ':' and control characters become spaces, keeping one stack per line.
std::string fold_profile(const profile::Profile& profile, const WriteOptions& options = {});

std::unique_ptr<ProfileWriter> make_folded_writer();

}  // namespace ksight::exporter
