// Makes the kernel security feed the rules engine's live event source, so
// `ksight detect` without --replay reads the BPF security events
// (src/agent/security_rules_source.h). Registration only; the source starts
// when detect asks for it.
#include "agent/security_rules_source.h"

namespace {

const bool kSecurityLiveSourceRegistered = [] {
  ksight::agent::register_security_live_source();
  return true;
}();

}  // namespace
