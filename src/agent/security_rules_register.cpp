// Kept apart from security_rules_source.cpp so that linking the source
// class does not require ksight_rules (only this registration does).
#include "agent/security_enrich.h"
#include "agent/security_rules_source.h"

namespace ksight::agent {

void register_security_live_source(SecurityRulesSource::Enricher enrich) {
  if (!enrich) {  // default: container and user name
    auto enricher = std::make_shared<SecurityEnricher>();
    enrich = [enricher](const SecurityEventRecord& r, rules::SecurityEvent& e) {
      (*enricher)(r, e);
    };
  }
  rules::register_live_source([enrich]() -> std::unique_ptr<rules::EventSource> {
    auto source = std::make_unique<SecurityRulesSource>(SecuritySourceOptions{}, enrich);
    source->start();
    return source;
  });
}

}  // namespace ksight::agent
