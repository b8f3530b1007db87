#pragma once
// A self-contained, interactive flame graph as one SVG file: frames merged by
// call path, root ("all", then one frame per process) at the bottom, widths
// proportional to the chosen sample value. Hover shows a frame's value and
// share, click zooms, Search (or Ctrl-F or '/') highlights a regex and shows
// the matched share; Escape resets. Colours: processes lavender, user code
// warm, inlined functions yellow-green, kernel blue.
#include <memory>
#include <string>

#include "export/profile_writer.h"

namespace ksight::exporter {

std::string render_flame_graph(const profile::Profile& profile, const WriteOptions& options = {});

std::unique_ptr<ProfileWriter> make_svg_writer();

}  // namespace ksight::exporter
