// `ksight profile`: sample on-CPU stacks on every CPU for a while and write a
// profile (pprof, folded stacks or an interactive SVG flame graph).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

#include "cli/command_registry.h"
#include "cli/profile_session.h"

namespace {

using ksight::cli::ProfileRequest;

std::function<int()> setup_profile(CLI::App& app) {
  auto* cmd = app.add_subcommand("profile", "Sample on-CPU stacks and write a profile");
  auto request = std::make_shared<ProfileRequest>();
  cmd->add_option("-p,--pid", request->pids, "Profile only this process (repeatable)");
  cmd->add_flag("-a,--all", request->all, "Profile every process (the default)");
  cmd->add_option("-d,--duration", request->duration,
                  "How long to sample: 10s, 500ms, 2m or plain seconds; Ctrl-C ends early")
      ->capture_default_str();
  cmd->add_option("-F,--frequency", request->frequency_hz, "Samples per second per CPU")
      ->capture_default_str();
  cmd->add_flag("--no-kernel", request->no_kernel, "Leave kernel stacks out");
  cmd->add_flag("--no-user", request->no_user, "Leave user stacks out");
  cmd->add_option("-o,--output", request->output,
                  "Output file; format from the extension (.pb.gz, .folded, .svg). "
                  "Default: folded stacks on stdout");
  cmd->add_option("--format", request->format, "pprof, folded or svg (overrides the extension)");
  cmd->add_option("--event", request->event, "auto (cycles where available), cpu-clock or cycles")
      ->capture_default_str();
  cmd->add_flag("--include-idle", request->include_idle, "Keep samples of idle CPUs (pid 0)");
  cmd->add_flag("--lines", request->show_lines, "Folded/SVG frames as 'func (file:line)'");
  cmd->add_option("--title", request->title, "Flame graph title");
  cmd->add_option("--unwind", request->unwind,
                  "User stacks: auto (frame pointers where verified exact, else DWARF "
                  "from .eh_frame), fp (frame pointers only) or dwarf")
      ->capture_default_str();
  cmd->add_option("--stack-bytes", request->stack_bytes,
                  "User stack bytes copied per sample for DWARF unwinding (64-16384)")
      ->capture_default_str();
  return [request] { return ksight::cli::run_profile(*request); };
}

}  // namespace

KSIGHT_REGISTER_COMMAND(20, setup_profile);
