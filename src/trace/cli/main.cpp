// ksight-trace: the `ksight trace` subcommand alone, in a lean executable.
//
// Why a second binary: `ksight` links ~95 shared libraries (gRPC, abseil,
// curl, OpenSSL, ...) for the agent, and the dynamic loader's symbol
// relocations plus their static initialisers cost ~15 ms of CPU before main()
// runs -- most of a one-liner's time to first event once the program itself
// is compiled in microseconds. This executable compiles the same cmd_trace.cpp
// and links with --as-needed, so it only loads what the trace path uses.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

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
  // `ksight-trace PROGRAM` and `ksight-trace trace PROGRAM` both work: the
  // subcommand word is implied unless given.
  std::vector<char*> args(argv, argv + argc);
  static char trace_word[] = "trace";
  if (argc < 2 || std::strcmp(argv[1], "trace") != 0) args.insert(args.begin() + 1, trace_word);

  CLI::App app{"ksight-trace: bpftrace-style one-liners compiled in-process to eBPF"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off");
  auto& registry = cli::command_registry();
  if (registry.size() != 1) return kExitFailure;
  auto run = registry.front().setup(app);
  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    init_logging(log_level);
    return run();
  } catch (const Error& e) {
    std::fprintf(stderr, "ksight: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ksight: internal error: %s\n", e.what());
    return kExitFailure;
  }
}
