#pragma once
// The OpenTelemetry SDK environment variables a DaemonSet already sets for
// its pods, read as http.* settings, so ksight exports where the node's
// other OTLP senders do:
//
//   OTEL_EXPORTER_OTLP_ENDPOINT                → http.otlp_endpoint (a base:
//                                                /v1/traces appended for HTTP)
//   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT         → http.otlp_traces_endpoint
//                                                (the URL as is; wins)
//   OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL
//                                              → http.otlp_protocol
//   OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, else OTEL_EXPORTER_OTLP_COMPRESSION
//                                              → http.otlp_compression
//   OTEL_EXPORTER_OTLP_TRACES_HEADERS, else OTEL_EXPORTER_OTLP_HEADERS
//                                              → http.otlp_headers (values
//                                                percent-decoded)
//   OTEL_EXPORTER_OTLP_(TRACES_)INSECURE       → http.otlp_insecure
//   OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE    → http.otlp_certificate
//   OTEL_EXPORTER_OTLP_(TRACES_)CLIENT_CERTIFICATE, _CLIENT_KEY
//                                              → http.otlp_client_certificate,
//                                                http.otlp_client_key
//   OTEL_RESOURCE_ATTRIBUTES                   → http.resource_attributes
//                                                (values percent-decoded)
//   OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT        → http.otlp_timeout (ms)
//   OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
//   OTEL_BSP_SCHEDULE_DELAY (ms)               → http.export_queue_size,
//                                                export_batch_size, export_delay
//   OTEL_TRACES_SAMPLER (+ OTEL_TRACES_SAMPLER_ARG)
//                                              → http.span_sample_ratio
//
// OTEL_SERVICE_NAME is not read: it names one service, and every process
// ksight sees is its own (http.service_names maps them). An empty variable
// counts as unset (as the SDK specification says). A
// request's traceparent sampled flag always decides for its trace, so
// traceidratio behaves as parentbased_traceidratio. Values are checked by
// the key they set; errors name the variable. Precedence: the config file
// < these < command-line flags.
#include <functional>
#include <string>
#include <vector>

#include "agent/agent_config.h"

namespace ksight::agent {

struct EnvironmentSetting {
  std::string variable;  // where the value came from
  std::string key;       // the http.* key it sets
  std::string value;
};

using GetEnv = std::function<const char*(const char*)>;

// The settings the environment makes; throws Error (naming the variable)
// for a sampler ksight cannot honour.
std::vector<EnvironmentSetting> otel_environment_settings(const GetEnv& getenv);

// Applies them to `config`; throws Error "VARIABLE: <key's message>".
void apply_otel_environment(AgentConfig& config, const GetEnv& getenv);

}  // namespace ksight::agent
