#include "agent/security_rules_source.h"

namespace ksight::agent {

SecurityRulesSource::SecurityRulesSource(SecuritySourceOptions options, Enricher enrich)
    : enrich_(std::move(enrich)),
      source_(options, [this](const SecurityEventRecord& r) { on_record(r); }) {}

void SecurityRulesSource::on_record(const SecurityEventRecord& record) {
  rules::SecurityEvent event = converter_.convert(record);
  if (enrich_) enrich_(record, event);
  if (current_ && *current_) (*current_)(event);
}

bool SecurityRulesSource::poll(const rules::EventCallback& on_event, int timeout_ms) {
  current_ = &on_event;
  source_.poll(timeout_ms);
  current_ = nullptr;
  return true;  // a live feed never ends
}

}  // namespace ksight::agent
