// Kept apart from security_rules_source.cpp so that linking the source
// class does not require ksight_rules (only this registration does).
#include "agent/security_rules_source.h"

namespace ksight::agent {

void register_security_live_source(SecurityRulesSource::Enricher enrich) {
  rules::register_live_source([enrich]() -> std::unique_ptr<rules::EventSource> {
    auto source = std::make_unique<SecurityRulesSource>(SecuritySourceOptions{}, enrich);
    source->start();
    return source;
  });
}

}  // namespace ksight::agent
