// Fuzzes rule file loading (YAML reader, collector, compiler) on its own and
// as an override file after the default ruleset, then runs what loaded.
#include <cstddef>
#include <cstdint>
#include <string>

#include "rules/engine.h"

using namespace ksight::rules;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  LoadResult alone = load_rules({{"fuzz.yaml", text}});
  (void)alone.diagnostics.format();
  // Layering on the default ruleset costs a full compile per run: do it for
  // half the inputs so the fuzzer keeps its pace.
  if (size == 0 || (data[0] & 1) == 0) return 0;
  static const std::string defaults(default_rules_yaml());
  LoadResult layered = load_rules({{"default.yaml", defaults}, {"fuzz.yaml", text}});
  (void)layered.diagnostics.format();
  if (layered.ok()) {
    EngineOptions options;
    options.hostname = "fuzz";
    Engine engine(layered.rules, options);
    SecurityEvent ev;
    ev.proc.comm = "bash";
    ev.proc.args = {"bash", "-i"};
    for (size_t t = 1; t < kEventTypeCount; ++t) {
      ev.type = static_cast<EventType>(t);
      for (const auto& alert : engine.process(ev)) (void)alert_to_json(alert);
    }
  }
  return 0;
}
