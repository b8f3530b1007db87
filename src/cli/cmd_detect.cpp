// `ksight detect`: run only the security feed. Events come from a replay
// file (--replay) or the live kernel feed once the agent registers one
// (rules::register_live_source); alerts go to the --output sinks as Falco
// JSON lines. SIGHUP reloads the rules; a bad reload keeps the old ones.
#include <spdlog/spdlog.h>

#include <csignal>
#include <string>
#include <vector>

#include "cli/command_registry.h"
#include "common/error.h"
#include "common/signals.h"
#include "rules/detector.h"
#include "rules/event_source.h"

namespace {

using namespace ksight::rules;

struct DetectOptions {
  std::string replay;
  std::vector<std::string> rule_files;
  bool with_default = false;
  std::vector<std::string> outputs{"stdout"};
  double rate = 1.0;
  double burst = 20.0;
};

std::unique_ptr<EventSource> open_source(const DetectOptions& opts) {
  if (!opts.replay.empty()) return std::make_unique<ReplaySource>(opts.replay);
  auto live = make_live_source();
  if (!live) throw ksight::Error("no live event source in this build; use --replay FILE.jsonl");
  return live;
}

int run_detect(const DetectOptions& opts) {
  // Before any thread starts (webhook workers), so they inherit the mask.
  ksight::SignalFd signals({SIGINT, SIGTERM, SIGHUP});
  DetectorOptions detector_options;
  detector_options.rule_files = opts.rule_files;
  detector_options.with_default = opts.with_default;
  detector_options.outputs = opts.outputs;
  detector_options.engine.alert_limit = RateLimit{opts.rate, opts.burst};
  Detector detector(detector_options, "detect");
  auto source = open_source(opts);

  auto on_event = [&](const SecurityEvent& ev) { detector.handle(ev); };
  bool running = true;
  while (running && source->poll(on_event, 100)) {
    while (auto sig = signals.read_signal()) {
      if (*sig == SIGHUP) {
        detector.reload();
      } else {
        running = false;
      }
    }
  }
  detector.flush();
  EngineCounters c = detector.engine().counters();
  spdlog::info("detect: {} events, {} alerts, {} suppressed, {} output drops, {} lost events",
               c.events, c.alerts, c.suppressed, detector.outputs().drops(), source->lost());
  return 0;
}

std::function<int()> setup_detect(CLI::App& app) {
  auto opts = std::make_shared<DetectOptions>();
  auto* cmd = app.add_subcommand("detect", "Run the security feed: rules on events, alerts out");
  cmd->add_option("--replay", opts->replay,
                  "Read recorded events (JSON lines) instead of the kernel");
  cmd->add_option("--rules", opts->rule_files,
                  "Rule files, loaded in order (default: the embedded ruleset)");
  cmd->add_flag("--with-default", opts->with_default, "Load the embedded ruleset before --rules");
  cmd->add_option("--output", opts->outputs, "stdout, file:PATH, syslog, http:URL (repeatable)")
      ->capture_default_str();
  cmd->add_option("--rate-limit", opts->rate, "Alerts per second per rule (0: unlimited)")
      ->capture_default_str();
  cmd->add_option("--burst", opts->burst, "Alert burst per rule before rate limiting")
      ->capture_default_str();
  return [opts] { return run_detect(*opts); };
}

}  // namespace

KSIGHT_REGISTER_COMMAND(400, setup_detect);
