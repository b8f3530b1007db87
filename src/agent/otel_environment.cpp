#include "agent/otel_environment.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "common/error.h"
#include "common/string_list.h"

namespace ksight::agent {
namespace {

// The first of `names` (nullptr: none) that is set and not empty.
std::optional<EnvironmentSetting> first_set(const GetEnv& getenv,
                                            const std::array<const char*, 2>& names,
                                            const char* key) {
  for (const char* name : names) {
    const char* v = name ? getenv(name) : nullptr;
    if (v && *v) return EnvironmentSetting{name, key, v};
  }
  return std::nullopt;
}

// "%41" → "A": header values in OTEL_EXPORTER_OTLP_HEADERS are
// percent-encoded (the W3C baggage format). A bad escape stays as it is.
std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A KEY=VALUE list in the W3C baggage form (OTEL_EXPORTER_OTLP_HEADERS,
// OTEL_RESOURCE_ATTRIBUTES) with the values decoded.
std::string decoded_list(const EnvironmentSetting& raw) {
  std::string decoded;
  for (const auto& kv : split_list(raw.value)) {
    size_t eq = kv.find('=');
    std::string value = eq == std::string::npos ? "" : percent_decode(kv.substr(eq + 1));
    if (value.find(',') != std::string::npos) {
      throw Error(raw.variable + ": a value with a comma is not supported ('" + kv.substr(0, eq) +
                  "')");
    }
    decoded +=
        (decoded.empty() ? "" : ",") + kv.substr(0, eq == std::string::npos ? eq : eq + 1) + value;
  }
  return decoded;
}

// A duration variable: the specification gives them as integer
// milliseconds ("10000"); the key parses durations ("10000ms").
std::string with_unit(const std::string& value) {
  bool digits =
      std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); });
  return digits ? value + "ms" : value;
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

// Which variables set which key; `form` says how the value is written.
enum class Form { kAsIs, kBaggageList, kMilliseconds };
struct Mapping {
  std::array<const char*, 2> variables;  // the signal's own first
  const char* key;
  Form form = Form::kAsIs;
};

// The specification: the generic endpoint is a base (/v1/traces is appended
// for HTTP), the signal's own is the URL itself: two keys.
const Mapping kMappings[] = {
    {{"OTEL_EXPORTER_OTLP_ENDPOINT"}, "http.otlp_endpoint"},
    {{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"}, "http.otlp_traces_endpoint"},
    {{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"}, "http.otlp_protocol"},
    {{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"},
     "http.otlp_compression"},
    {{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"},
     "http.otlp_headers",
     Form::kBaggageList},
    {{"OTEL_RESOURCE_ATTRIBUTES"}, "http.resource_attributes", Form::kBaggageList},
    {{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"},
     "http.otlp_timeout",
     Form::kMilliseconds},
    {{"OTEL_BSP_MAX_QUEUE_SIZE"}, "http.export_queue_size"},
    {{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE"}, "http.export_batch_size"},
    {{"OTEL_BSP_SCHEDULE_DELAY"}, "http.export_delay", Form::kMilliseconds},
    {{"OTEL_EXPORTER_OTLP_TRACES_INSECURE", "OTEL_EXPORTER_OTLP_INSECURE"}, "http.otlp_insecure"},
    {{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE"},
     "http.otlp_certificate"},
    {{"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"},
     "http.otlp_client_certificate"},
    {{"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY"},
     "http.otlp_client_key"},
};

}  // namespace

std::vector<EnvironmentSetting> otel_environment_settings(const GetEnv& getenv) {
  std::vector<EnvironmentSetting> out;
  for (const Mapping& m : kMappings) {
    auto s = first_set(getenv, m.variables, m.key);
    if (!s) continue;
    if (m.form == Form::kBaggageList) s->value = decoded_list(*s);
    if (m.form == Form::kMilliseconds) s->value = with_unit(s->value);
    out.push_back(std::move(*s));
  }
  if (auto s = sampler_setting(getenv)) out.push_back(std::move(*s));
  return out;
}

void apply_otel_environment(AgentConfig& config, const GetEnv& getenv) {
  for (const auto& s : otel_environment_settings(getenv)) {
    const ConfigKey* k = find_config_key(s.key);
    if (auto err = k->set(config, s.value)) throw Error(s.variable + ": " + *err);
  }
}

}  // namespace ksight::agent
