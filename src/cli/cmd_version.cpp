// `ksight version`: prints the version (also --version).
#include <cstdio>

#include "build_info.h"
#include "cli/command_registry.h"

namespace {

std::function<int()> setup_version(CLI::App& app) {
  app.add_subcommand("version", "Print the ksight version");
  return [] {
    std::printf("ksight %s\n", ksight::kVersion);
    return 0;
  };
}

}  // namespace

KSIGHT_REGISTER_COMMAND(1000, setup_version);
