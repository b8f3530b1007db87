// The OTEL_* environment as http.* settings (src/agent/otel_environment.h),
// and its place between the config file and the flags.
#include "agent/otel_environment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "common/error.h"
#include "support/subprocess.h"

namespace ksight::agent {
namespace {

using namespace std::chrono_literals;

GetEnv env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

AgentConfig with(std::map<std::string, std::string> vars) {
  AgentConfig c;
  apply_otel_environment(c, env(std::move(vars)));
  return c;
}

std::string error_of(std::map<std::string, std::string> vars) {
  try {
    with(std::move(vars));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(OtelEnvironment, NothingSetChangesNothing) {
  AgentConfig c = with({});
  EXPECT_EQ(c.http.otlp_endpoint, "");
  EXPECT_FALSE(c.http.wanted());
  EXPECT_TRUE(otel_environment_settings(env({{"OTEL_EXPORTER_OTLP_ENDPOINT", ""}})).empty());
}

TEST(OtelEnvironment, SignalSpecificVariablesWin) {
  AgentConfig c = with({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"},
                        {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4318/v1/traces"},
                        {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
                        {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"},
                        {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
                        {"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", ""}});  // empty: unset
  // The generic endpoint is a base, the signal's own the URL itself (the
  // specification); the latter wins.
  EXPECT_EQ(c.http.otlp_endpoint, "http://collector:4318");
  EXPECT_EQ(c.http.otlp_traces_endpoint, "http://traces:4318/v1/traces");
  EXPECT_EQ(c.http.export_endpoint(), "http://traces:4318/v1/traces");
  EXPECT_EQ(c.http.otlp_protocol, "http/protobuf");
  EXPECT_EQ(c.http.otlp_compression, "gzip");
  EXPECT_TRUE(c.http.wanted());
}

TEST(OtelEnvironment, SamplersBecomeTheSpanRatio) {
  EXPECT_DOUBLE_EQ(with({{"OTEL_TRACES_SAMPLER", "always_off"}}).http.span_sample_ratio, 0.0);
  EXPECT_DOUBLE_EQ(with({{"OTEL_TRACES_SAMPLER", "parentbased_always_on"}}).http.span_sample_ratio,
                   1.0);
  EXPECT_DOUBLE_EQ(
      with({{"OTEL_TRACES_SAMPLER", "traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "0.125"}})
          .http.span_sample_ratio,
      0.125);
  // The specification's default argument is 1.0.
  EXPECT_DOUBLE_EQ(
      with({{"OTEL_TRACES_SAMPLER", "parentbased_traceidratio"}}).http.span_sample_ratio, 1.0);
}

TEST(OtelEnvironment, ErrorsNameTheVariable) {
  EXPECT_EQ(error_of({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}}),
            "OTEL_EXPORTER_OTLP_PROTOCOL: expected one of grpc, http/protobuf, got 'http/json'");
  EXPECT_EQ(error_of({{"OTEL_TRACES_SAMPLER", "traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "2"}}),
            "OTEL_TRACES_SAMPLER_ARG: expected a share from 0 to 1 such as 0.1, got '2'");
  EXPECT_NE(error_of({{"OTEL_TRACES_SAMPLER", "jaeger_remote"}})
                .find("OTEL_TRACES_SAMPLER: ksight samples whole traces by ratio"),
            std::string::npos);
  EXPECT_EQ(error_of({{"OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector:4317"}}),
            "OTEL_EXPORTER_OTLP_ENDPOINT: expected host:port, http://host:port or "
            "https://host:port, got 'ftp://collector:4317'");
  EXPECT_EQ(error_of({{"OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"}}),
            "OTEL_EXPORTER_OTLP_CERTIFICATE: cannot read '/nonexistent/ca.pem': No such file or "
            "directory");
}

// W3C-baggage-style list, percent-encoded values, the signal's own first.
TEST(OtelEnvironment, HeadersAreDecoded) {
  AgentConfig c = with({{"OTEL_EXPORTER_OTLP_HEADERS", "ignored=1"},
                        {"OTEL_EXPORTER_OTLP_TRACES_HEADERS",
                         "Authorization=Bearer%20abc%3D%3D, X-Scope-OrgID = tenant-1"}});
  auto headers = c.http.export_headers();
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0], (std::pair<std::string, std::string>{"Authorization", "Bearer abc=="}));
  EXPECT_EQ(headers[1], (std::pair<std::string, std::string>{"X-Scope-OrgID", "tenant-1"}));
  EXPECT_NE(error_of({{"OTEL_EXPORTER_OTLP_HEADERS", "a=x%2Cy"}})
                .find("OTEL_EXPORTER_OTLP_HEADERS: a value with a comma"),
            std::string::npos);
  EXPECT_NE(error_of({{"OTEL_EXPORTER_OTLP_HEADERS", "no-value"}})
                .find("OTEL_EXPORTER_OTLP_HEADERS: expected KEY=VALUE headers"),
            std::string::npos);
}

TEST(OtelEnvironment, ResourceAttributesAreDecoded) {
  AgentConfig c = with({{"OTEL_RESOURCE_ATTRIBUTES",
                         "deployment.environment=prod,team=pay%20ments, k8s.cluster.name = east"}});
  auto attrs = c.http.resource_attribute_pairs();
  ASSERT_EQ(attrs.size(), 3u);
  EXPECT_EQ(attrs[1], (std::pair<std::string, std::string>{"team", "pay ments"}));
  EXPECT_EQ(attrs[2], (std::pair<std::string, std::string>{"k8s.cluster.name", "east"}));
  EXPECT_EQ(error_of({{"OTEL_RESOURCE_ATTRIBUTES", "=x"}}),
            "OTEL_RESOURCE_ATTRIBUTES: expected KEY=VALUE attributes such as "
            "deployment.environment=prod, got '=x'");
}

// The export timeout and the batch span processor's variables (integer
// milliseconds, as the specification gives them).
TEST(OtelEnvironment, TimeoutAndBatchVariables) {
  AgentConfig c = with({{"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
                        {"OTEL_BSP_MAX_QUEUE_SIZE", "2048"},
                        {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "256"},
                        {"OTEL_BSP_SCHEDULE_DELAY", "1000"}});
  EXPECT_EQ(c.http.otlp_timeout, 2500ms);
  EXPECT_EQ(c.http.export_queue_size, 2048u);
  EXPECT_EQ(c.http.export_batch_size, 256u);
  EXPECT_EQ(c.http.export_delay, 1000ms);
  EXPECT_EQ(with({{"OTEL_EXPORTER_OTLP_TIMEOUT", "1"}, {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "3s"}})
                .http.otlp_timeout,
            3000ms);
  EXPECT_EQ(error_of({{"OTEL_BSP_MAX_QUEUE_SIZE", "0"}}),
            "OTEL_BSP_MAX_QUEUE_SIZE: expected a number from 1 to 262144, got 0");
  EXPECT_NE(error_of({{"OTEL_BSP_SCHEDULE_DELAY", "soon"}}).find("OTEL_BSP_SCHEDULE_DELAY: "),
            std::string::npos);
}

// TLS as the SDKs configure it: the signal's variables first.
TEST(OtelEnvironment, TlsVariables) {
  std::string pem = KSIGHT_BIN;  // any readable file: the keys check readability only
  AgentConfig c = with({{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4317"},
                        {"OTEL_EXPORTER_OTLP_INSECURE", "true"},
                        {"OTEL_EXPORTER_OTLP_TRACES_INSECURE", "false"},
                        {"OTEL_EXPORTER_OTLP_CERTIFICATE", pem},
                        {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", pem},
                        {"OTEL_EXPORTER_OTLP_CLIENT_KEY", pem}});
  EXPECT_EQ(c.http.export_endpoint(), "https://collector:4317");
  EXPECT_FALSE(c.http.otlp_insecure);
  EXPECT_EQ(c.http.otlp_certificate, pem);
  EXPECT_EQ(c.http.otlp_client_certificate, pem);
  EXPECT_EQ(c.http.otlp_client_key, pem);
  EXPECT_TRUE(with({}).http.otlp_insecure);  // host:port stays plaintext by default
}

// The file < the environment < the flags, in the real binary.
TEST(OtelEnvironment, SitsBetweenTheFileAndTheFlags) {
  namespace fs = std::filesystem;
  fs::path file = fs::temp_directory_path() / ("ksight-otel-env-" + std::to_string(getpid()));
  std::ofstream(file) << "http:\n  otlp_endpoint: from-file:4317\n  otlp_protocol: grpc\n";
  auto r =
      ksight::testing::run({"/usr/bin/env", "OTEL_EXPORTER_OTLP_ENDPOINT=from-env:4317",
                            "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf", KSIGHT_BIN, "agent",
                            "--config", file.string(), "--otlp-protocol", "grpc", "--print-config"},
                           30s);
  fs::remove(file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  AgentConfig c = parse_config_yaml(r.out, "--print-config");
  EXPECT_EQ(c.http.otlp_endpoint, "from-env:4317");  // env over the file
  EXPECT_EQ(c.http.otlp_protocol, "grpc");           // the flag over env
}

// `--otlp-endpoint` alone: the OTLP default for whichever protocol is chosen.
TEST(OtelEnvironment, EndpointFlagAloneMeansTheProtocolDefault) {
  auto grpc = ksight::testing::run({KSIGHT_BIN, "agent", "--otlp-endpoint", "--print-config"}, 30s);
  ASSERT_EQ(grpc.exit_code, 0) << grpc.err;
  AgentConfig c = parse_config_yaml(grpc.out, "--print-config");
  EXPECT_EQ(c.http.otlp_endpoint, "default");
  EXPECT_EQ(c.http.export_endpoint(), "localhost:4317");
  c.http.otlp_protocol = "http/protobuf";
  EXPECT_EQ(c.http.export_endpoint(), "http://localhost:4318");
  c.http.otlp_endpoint = "";
  EXPECT_EQ(c.http.export_endpoint(), "");
}

}  // namespace
}  // namespace ksight::agent
