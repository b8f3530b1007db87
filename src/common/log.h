#pragma once
#include <string>

namespace ksight {

// Configures spdlog's default logger on stderr. `level` is one of trace,
// debug, info, warn, error, critical, off; throws ksight::Error otherwise.
void init_logging(const std::string& level);

}  // namespace ksight
