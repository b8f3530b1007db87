#pragma once
// The rules engine with its rule files and alert outputs, as `ksight detect`
// and `ksight agent` both run it: load the rules (the embedded default
// and/or files), evaluate each event, send alerts to every output, reload
// on SIGHUP keeping the old rules when the new ones do not load.
//
//   Detector detector(options, "detect");  // throws ksight::Error when the rules fail
//   detector.handle(event);                  // consumer thread
//   detector.reload();                       // SIGHUP: false = old rules kept, logged
#include <string>
#include <vector>

#include "rules/engine.h"
#include "rules/outputs.h"

namespace ksight::rules {

struct DetectorOptions {
  // Loaded in order after the embedded ruleset when `with_default` is set
  // or no file is given.
  std::vector<std::string> rule_files;
  bool with_default = false;
  std::vector<std::string> outputs{"stdout"};  // make_sink() specs
  EngineOptions engine;
};

// "default,/etc/ksight/local.yaml" → files + with_default ("default" names
// the embedded ruleset; empty items are ignored).
void parse_rules_list(const std::string& list, DetectorOptions& options);

class Detector {
 public:
  // `who` prefixes log lines ("detect", "agent security").
  Detector(DetectorOptions options, std::string who);

  void handle(const SecurityEvent& event);
  // Reloads the same files. Returns false (and logs why) when the new rules
  // did not load; the old ones stay.
  bool reload();
  // Reloads another list of files (the agent's security.rules after SIGHUP).
  bool reload(std::vector<std::string> files, bool with_default);
  void flush() { outputs_.flush(); }

  Engine& engine() { return engine_; }
  OutputSet& outputs() { return outputs_; }
  const DetectorOptions& options() const { return options_; }

 private:
  std::vector<RuleSource> sources(Diagnostics& io) const;
  std::shared_ptr<const RuleSet> initial_rules();

  DetectorOptions options_;
  std::string who_;
  Engine engine_;
  OutputSet outputs_;
  std::vector<Alert> alerts_;
};

}  // namespace ksight::rules
