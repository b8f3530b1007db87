#include "cli/agent_security.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "agent/agent.h"
#include "agent/security_enrich.h"
#include "agent/security_rules_source.h"
#include "common/error.h"
#include "common/string_list.h"
#include "rules/detector.h"
#include "rules/rules_metrics.h"

namespace ksight::cli {

namespace {

rules::DetectorOptions detector_options(const agent::AgentConfig& config) {
  rules::DetectorOptions options;
  rules::parse_rules_list(config.security_rules, options);
  options.outputs = split_list(config.security_output);
  auto min = rules::priority_from_name(config.security_min_priority);
  if (!min) throw Error("security.min_priority: unknown priority " + config.security_min_priority);
  options.engine.min_priority = *min;
  return options;
}

}  // namespace

// Outlives every SecurityFeedSource the agent makes: the /metrics collector
// reads the detector's counters on each scrape.
class AgentSecurity {
 public:
  explicit AgentSecurity(agent::Agent& agent) : agent_(agent) {}

  // The detector is built on the first start (rules loaded, outputs open);
  // a rule error then fails the source like a kernel refusal would.
  rules::Detector& detector(const agent::AgentConfig& config) {
    if (!detector_) {
      detector_ = std::make_unique<rules::Detector>(detector_options(config), "agent security");
      rules::register_rules_metrics(agent_.registry(), detector_->engine(), &detector_->outputs());
    }
    return *detector_;
  }

 private:
  agent::Agent& agent_;
  std::unique_ptr<rules::Detector> detector_;
};

namespace {

class SecurityFeedSource : public agent::EventSource {
 public:
  SecurityFeedSource(AgentSecurity& state, agent::SourceContext& context,
                     const agent::AgentConfig& config)
      : state_(state), config_(config), counters_(context.registry) {}

  const char* name() const override { return "security"; }

  void start() override {
    detector_ = &state_.detector(config_);
    auto enricher = std::make_shared<agent::SecurityEnricher>();
    feed_ = std::make_unique<agent::SecurityRulesSource>(
        agent::SecuritySourceOptions{}, [enricher](const agent::SecurityEventRecord& r,
                                                   rules::SecurityEvent& e) { (*enricher)(r, e); });
    feed_->start();
    on_event_ = [this](const rules::SecurityEvent& e) { detector_->handle(e); };
  }

  void stop() override {
    if (!feed_) return;
    consume();  // what the kernel already wrote still reaches the rules
    feed_.reset();
    detector_->flush();
  }

  int poll_fd() const override { return feed_ ? feed_->poll_fd() : -1; }

  int consume() override {
    if (!feed_) return 0;
    feed_->poll(on_event_, 0);
    return 0;
  }

  void collect() override {
    if (!feed_) return;
    consume();  // records below the wakeup threshold raise no epoll event
    agent::SecurityStats s = feed_->source().stats();
    uint64_t decode_errors = 0;
    for (const auto& [reason, n] : s.decode_errors) decode_errors += n;
    report(counters_.events, s.events_total, reported_events_);
    report(counters_.lost, s.lost.total_dropped(), reported_lost_);
    report(counters_.decode_errors, decode_errors, reported_decode_errors_);
  }

  void reload(const agent::AgentConfig& config) override {
    if (!detector_) return;
    rules::DetectorOptions next;
    rules::parse_rules_list(config.security_rules, next);
    detector_->reload(next.rule_files, next.with_default);
  }

 private:
  void report(metrics::Counter& counter, uint64_t total, uint64_t& reported) {
    counter.inc({name()}, static_cast<double>(total - reported));
    reported = total;
  }

  AgentSecurity& state_;
  agent::AgentConfig config_;
  agent::SourceCounters counters_;
  rules::Detector* detector_ = nullptr;
  std::unique_ptr<agent::SecurityRulesSource> feed_;
  rules::EventCallback on_event_;
  uint64_t reported_events_ = 0, reported_lost_ = 0, reported_decode_errors_ = 0;
};

}  // namespace

std::shared_ptr<AgentSecurity> install_security(agent::Agent& agent) {
  auto state = std::make_shared<AgentSecurity>(agent);
  agent.add_factory({"security.enabled", [](const agent::AgentConfig& c) { return c.security; },
                     [state](agent::SourceContext& context, const agent::AgentConfig& config) {
                       return std::make_unique<SecurityFeedSource>(*state, context, config);
                     }});
  return state;
}

}  // namespace ksight::cli
