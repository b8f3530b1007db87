#pragma once
// The web UI's files (src/ui/assets/*), embedded into the binary at build
// time by embed_assets.cmake so the page works with no network access.
#include <string_view>

namespace ksight::ui {

struct Asset {
  std::string_view path;  // "index.html", "app.js", ...
  std::string_view content_type;
  std::string_view body;
};

// nullptr when there is no such asset.
const Asset* find_asset(std::string_view path);

}  // namespace ksight::ui
