// ksight: eBPF profiling and security agent. Subcommands live in cmd_*.cpp.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>

#include "build_info.h"
#include "cli/command_registry.h"
#include "common/error.h"
#include "common/log.h"

namespace ksight::cli {

std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> registry;
  return registry;
}

}  // namespace ksight::cli

int main(int argc, char** argv) {
  using namespace ksight;
  CLI::App app{"ksight: eBPF kernel-level profiling and security agent"};
  app.set_version_flag("--version", std::string("ksight ") + kVersion);
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();

  auto& registry = cli::command_registry();
  std::sort(registry.begin(), registry.end(),
            [](const auto& a, const auto& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, std::function<int()>>> runners;
  for (auto& entry : registry) {
    size_t before = app.get_subcommands({}).size();
    auto runner = entry.setup(app);
    auto subs = app.get_subcommands({});
    runners.emplace_back(subs.size() > before ? subs.back() : nullptr, std::move(runner));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    init_logging(log_level);
    for (auto& [sub, run] : runners) {
      if (sub && sub->parsed()) return run();
    }
    return kExitFailure;
  } catch (const Error& e) {
    std::fprintf(stderr, "ksight: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ksight: internal error: %s\n", e.what());
    return kExitFailure;
  }
}
