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
#include "rules/engine.h"
#include "rules/event_source.h"
#include "rules/outputs.h"

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

std::vector<RuleSource> rule_sources(const DetectOptions& opts, Diagnostics& diags) {
  std::vector<RuleSource> sources;
  if (opts.rule_files.empty() || opts.with_default) {
    sources.push_back({kDefaultRulesName, std::string(default_rules_yaml())});
  }
  for (auto& src : read_rule_sources(opts.rule_files, diags)) sources.push_back(std::move(src));
  return sources;
}

std::shared_ptr<const RuleSet> initial_rules(const DetectOptions& opts) {
  Diagnostics io;
  auto sources = rule_sources(opts, io);
  LoadResult result = load_rules(sources);
  io.append(result.diagnostics);
  if (!io.items.empty()) std::fputs(io.format().c_str(), stderr);
  if (io.has_errors() || !result.ok()) throw ksight::Error("rules did not load; nothing to detect");
  spdlog::info("detect: {} rules loaded ({} enabled)", result.rules->rules().size(),
               result.rules->enabled_count());
  return result.rules;
}

void reload(Engine& engine, const DetectOptions& opts) {
  Diagnostics io;
  auto sources = rule_sources(opts, io);
  if (io.has_errors()) {
    spdlog::error("detect: reload failed, keeping the current rules:\n{}", io.format());
    return;
  }
  Diagnostics diags = engine.reload(sources);
  if (diags.has_errors()) {
    spdlog::error("detect: reload failed, keeping the current rules:\n{}", diags.format());
  } else {
    spdlog::info("detect: rules reloaded ({} rules)", engine.rules()->rules().size());
  }
}

std::unique_ptr<EventSource> open_source(const DetectOptions& opts) {
  if (!opts.replay.empty()) return std::make_unique<ReplaySource>(opts.replay);
  auto live = make_live_source();
  if (!live) throw ksight::Error("no live event source in this build; use --replay FILE.jsonl");
  return live;
}

int run_detect(const DetectOptions& opts) {
  // Before any thread starts (webhook workers), so they inherit the mask.
  ksight::SignalFd signals({SIGINT, SIGTERM, SIGHUP});
  EngineOptions engine_options;
  engine_options.alert_limit = RateLimit{opts.rate, opts.burst};
  Engine engine(initial_rules(opts), engine_options);
  OutputSet outputs;
  for (const auto& spec : opts.outputs) outputs.add(make_sink(spec));
  auto source = open_source(opts);

  std::vector<Alert> alerts;
  auto on_event = [&](const SecurityEvent& ev) {
    alerts.clear();
    engine.process(ev, alerts);
    for (const auto& alert : alerts) outputs.emit(alert);
  };
  bool running = true;
  while (running && source->poll(on_event, 100)) {
    while (auto sig = signals.read_signal()) {
      if (*sig == SIGHUP) {
        reload(engine, opts);
      } else {
        running = false;
      }
    }
  }
  outputs.flush();
  EngineCounters c = engine.counters();
  spdlog::info("detect: {} events, {} alerts, {} suppressed, {} output drops, {} lost events",
               c.events, c.alerts, c.suppressed, outputs.drops(), source->lost());
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
