#pragma once
// The kernel security feed as the rules engine's EventSource: SecuritySource
// records converted to rules::SecurityEvent (security_to_rules.h).
//
//   register_security_live_source();  // at agent/CLI start-up
//   auto source = rules::make_live_source();  // what `ksight detect` calls
#include <cstdint>
#include <functional>
#include <memory>

#include "agent/security_source.h"
#include "agent/security_to_rules.h"
#include "rules/event_source.h"

namespace ksight::agent {

class SecurityRulesSource : public rules::EventSource {
 public:
  // `enrich` (optional) adds what only the agent knows (container id, pod,
  // user names) to each event before the engine sees it.
  using Enricher = std::function<void(const SecurityEventRecord&, rules::SecurityEvent&)>;
  explicit SecurityRulesSource(SecuritySourceOptions options = {}, Enricher enrich = {});

  void start() { source_.start(); }  // throws ksight::Error / CapabilityError
  bool poll(const rules::EventCallback& on_event, int timeout_ms) override;
  uint64_t lost() const override { return source_.lost().total_dropped(); }
  int poll_fd() const { return source_.poll_fd(); }

  SecuritySource& source() { return source_; }

 private:
  void on_record(const SecurityEventRecord& record);
  SecurityRulesConverter converter_;
  Enricher enrich_;
  const rules::EventCallback* current_ = nullptr;
  SecuritySource source_;
};

// Registers a factory with rules::register_live_source that starts a
// SecurityRulesSource with default options (needs ksight_rules linked).
// Without `enrich`, a SecurityEnricher fills container id, pod uid and
// user name.
void register_security_live_source(SecurityRulesSource::Enricher enrich = {});

}  // namespace ksight::agent
