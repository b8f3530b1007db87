#pragma once
// Subcommands register themselves here from their own cmd_<name>.cpp through
// a static KSIGHT_REGISTER_COMMAND. The files are linked straight into the
// executable (not through a static library), so the registrations are never
// dropped by the linker.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ksight::cli {

// Adds the subcommand to `app` and returns the function that runs it once
// CLI11 has parsed the command line. The runner returns the exit code.
using CommandSetup = std::function<std::function<int()>(CLI::App& app)>;

struct CommandEntry {
  int order;  // position in --help
  CommandSetup setup;
};

std::vector<CommandEntry>& command_registry();

struct CommandRegistrar {
  CommandRegistrar(int order, CommandSetup setup) {
    command_registry().push_back({order, std::move(setup)});
  }
};

}  // namespace ksight::cli

#define KSIGHT_CONCAT_INNER(a, b) a##b
#define KSIGHT_CONCAT(a, b) KSIGHT_CONCAT_INNER(a, b)
#define KSIGHT_REGISTER_COMMAND(order, setup) \
  static ::ksight::cli::CommandRegistrar KSIGHT_CONCAT(ksight_command_, __LINE__)(order, setup)
