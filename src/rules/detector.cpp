#include "rules/detector.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "common/error.h"
#include "common/string_list.h"

namespace ksight::rules {

void parse_rules_list(const std::string& list, DetectorOptions& options) {
  options.rule_files.clear();
  options.with_default = false;
  for (auto& item : split_list(list)) {
    if (item == "default") {
      options.with_default = true;
    } else {
      options.rule_files.push_back(std::move(item));
    }
  }
}

Detector::Detector(DetectorOptions options, std::string who)
    : options_(std::move(options)),
      who_(std::move(who)),
      engine_(initial_rules(), options_.engine) {
  for (const auto& spec : options_.outputs) outputs_.add(make_sink(spec));
}

std::vector<RuleSource> Detector::sources(Diagnostics& io) const {
  std::vector<RuleSource> out;
  if (options_.rule_files.empty() || options_.with_default) {
    out.push_back({kDefaultRulesName, std::string(default_rules_yaml())});
  }
  for (auto& src : read_rule_sources(options_.rule_files, io)) out.push_back(std::move(src));
  return out;
}

std::shared_ptr<const RuleSet> Detector::initial_rules() {
  Diagnostics io;
  auto srcs = sources(io);
  LoadResult result = load_rules(srcs);
  io.append(result.diagnostics);
  if (!io.items.empty()) std::fputs(io.format().c_str(), stderr);
  if (io.has_errors() || !result.ok())
    throw Error(who_ + ": rules did not load; nothing to detect");
  spdlog::info("{}: {} rules loaded ({} enabled), {} skipped (each named in a warning)", who_,
               result.rules->rules().size(), result.rules->enabled_count(),
               result.rules->skipped_rules().size());
  return result.rules;
}

void Detector::handle(const SecurityEvent& event) {
  alerts_.clear();
  engine_.process(event, alerts_);
  for (const auto& alert : alerts_) outputs_.emit(alert);
}

bool Detector::reload() {
  Diagnostics io;
  auto srcs = sources(io);
  LoadResult result = load_rules(srcs);
  io.append(result.diagnostics);
  // An unreadable file fails the reload too, not only a bad one.
  if (io.has_errors()) result.rules = nullptr;
  engine_.reload(std::move(result));
  if (io.has_errors()) {
    spdlog::error("{}: reload failed, keeping the current rules:\n{}", who_, io.format());
    return false;
  }
  spdlog::info("{}: rules reloaded ({} rules)", who_, engine_.rules()->rules().size());
  return true;
}

bool Detector::reload(std::vector<std::string> files, bool with_default) {
  DetectorOptions previous = options_;
  options_.rule_files = std::move(files);
  options_.with_default = with_default;
  if (reload()) return true;
  options_ = std::move(previous);  // the files of the rules still running
  return false;
}

}  // namespace ksight::rules
