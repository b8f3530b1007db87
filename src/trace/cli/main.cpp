// ksight-trace: the `ksight trace` subcommand alone, in a lean executable.
// Built twice: as `ksight-trace`, and (KSIGHT_FRONT) as `ksight`, the front
// door, which runs `ksight trace ...` itself and execs the full binary
// `ksight-core` next to it for every other command (git-style), so the
// one-liner path never pays for the agent's libraries.
//
// Why a second binary: `ksight` links ~95 shared libraries (gRPC, abseil,
// curl, OpenSSL, ...) for the agent, and the dynamic loader's symbol
// relocations plus their static initialisers cost ~15 ms of CPU before main()
// runs -- most of a one-liner's time to first event once the program itself
// is compiled in microseconds. This executable compiles the same cmd_trace.cpp
// and links with --as-needed, so it only loads what the trace path uses.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
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

namespace {

#ifdef KSIGHT_FRONT
// Replaces this process with `ksight-core` (same directory as this binary,
// same argv, so usage texts still say `ksight`). Returns only on failure.
int exec_core(char** argv) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string core = (ec ? std::string(".") : self.parent_path().string()) + "/ksight-core";
  ::execv(core.c_str(), argv);
  std::fprintf(stderr, "ksight: cannot run %s: %s (it is installed next to ksight)\n", core.c_str(),
               std::strerror(errno));
  return 127;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  using namespace ksight;
#ifdef KSIGHT_FRONT
  if (argc < 2 || std::strcmp(argv[1], "trace") != 0) return exec_core(argv);
#endif
  // `ksight-trace PROGRAM` and `ksight-trace trace PROGRAM` both work: the
  // subcommand word is implied unless given.
  // Global options (--log-level X) may come first, as with ksight-core.
  std::vector<char*> args(argv, argv + argc);
  static char trace_word[] = "trace";
  size_t at = 1;
  while (at < args.size() && std::strncmp(args[at], "--log-level", 11) == 0)
    at += std::strchr(args[at], '=') ? 1 : 2;
  at = std::min(at, args.size());
  if (at == args.size() || std::strcmp(args[at], "trace") != 0)
    args.insert(args.begin() + static_cast<long>(at), trace_word);

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
