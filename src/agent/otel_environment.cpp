#include "agent/otel_environment.h"

#include <optional>

#include "common/error.h"

namespace ksight::agent {
namespace {

// The first of `names` that is set and not empty.
std::optional<EnvironmentSetting> first_set(const GetEnv& getenv,
                                            std::initializer_list<const char*> names,
                                            const char* key) {
  for (const char* name : names) {
    const char* v = getenv(name);
    if (v && *v) return EnvironmentSetting{name, key, v};
  }
  return std::nullopt;
}

// OTEL_TRACES_SAMPLER as a share of traces.
std::optional<EnvironmentSetting> sampler_setting(const GetEnv& getenv) {
  const char* sampler = getenv("OTEL_TRACES_SAMPLER");
  if (!sampler || !*sampler) return std::nullopt;
  std::string s = sampler;
  if (s.starts_with("parentbased_")) s = s.substr(12);
  const char* key = "http.span_sample_ratio";
  if (s == "always_on") return EnvironmentSetting{"OTEL_TRACES_SAMPLER", key, "1"};
  if (s == "always_off") return EnvironmentSetting{"OTEL_TRACES_SAMPLER", key, "0"};
  if (s == "traceidratio") {
    const char* arg = getenv("OTEL_TRACES_SAMPLER_ARG");
    if (!arg || !*arg) return EnvironmentSetting{"OTEL_TRACES_SAMPLER", key, "1"};  // spec default
    return EnvironmentSetting{"OTEL_TRACES_SAMPLER_ARG", key, arg};
  }
  throw Error(std::string("OTEL_TRACES_SAMPLER: ksight samples whole traces by ratio: expected "
                          "always_on, always_off, traceidratio or their parentbased_ forms, "
                          "got '") +
              sampler + "'");
}

}  // namespace

std::vector<EnvironmentSetting> otel_environment_settings(const GetEnv& getenv) {
  std::vector<EnvironmentSetting> out;
  auto add = [&out](std::optional<EnvironmentSetting> s) {
    if (s) out.push_back(std::move(*s));
  };
  add(first_set(getenv, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"},
                "http.otlp_endpoint"));
  add(first_set(getenv, {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"},
                "http.otlp_protocol"));
  add(first_set(getenv, {"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"},
                "http.otlp_compression"));
  add(sampler_setting(getenv));
  return out;
}

void apply_otel_environment(AgentConfig& config, const GetEnv& getenv) {
  for (const auto& s : otel_environment_settings(getenv)) {
    const ConfigKey* k = find_config_key(s.key);
    if (auto err = k->set(config, s.value)) throw Error(s.variable + ": " + *err);
  }
}

}  // namespace ksight::agent
