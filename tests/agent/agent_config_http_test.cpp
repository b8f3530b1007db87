// The http.* configuration keys (src/agent/agent_config_http.cpp) and the
// --http* / --otlp-* flags of `ksight agent`, which are their aliases: the
// file, the flags and --print-config must describe the same capture.
#include <gtest/gtest.h>

#include "agent/agent_config.h"
#include "common/error.h"
#include "support/subprocess.h"

namespace ksight::agent {
namespace {

using namespace std::chrono_literals;

std::string error_of(const std::string& yaml) {
  try {
    parse_config_yaml(yaml, "agent.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AgentHttpConfig, OffByDefault) {
  AgentConfig c;
  EXPECT_FALSE(c.http.wanted());
  EXPECT_EQ(c.http.capture_bytes, 512u);
  EXPECT_EQ(c.http.otlp_protocol, "grpc");
  EXPECT_DOUBLE_EQ(c.http.span_sample_ratio, 1.0);
}

TEST(AgentHttpConfig, SectionWithSequencesParses) {
  AgentConfig c = parse_config_yaml(
      "http:\n"
      "  otlp_endpoint: otel-collector.observability:4317\n"
      "  otlp_compression: gzip\n"
      "  span_sample_ratio: 0.25\n"
      "  capture_bytes: 256\n"
      "  hooks: syscalls\n"
      "  comm: [nginx, envoy]\n"
      "  routes:\n"
      "    - /users/{id}\n"
      "    - /orders/{id}/items\n"
      "  service_names: nginx=frontend\n"
      "  resource_attributes: [k8s.cluster.name=east, deployment.environment=prod]\n"
      "  function_spans: ['/usr/bin/app:handle=handle request']\n"
      "  slow_syscall: 10ms\n",
      "agent.yaml");
  EXPECT_TRUE(c.http.wanted());  // the endpoint alone turns it on
  EXPECT_FALSE(c.http.enabled);
  EXPECT_EQ(c.http.otlp_endpoint, "otel-collector.observability:4317");
  EXPECT_EQ(c.http.otlp_compression, "gzip");
  EXPECT_DOUBLE_EQ(c.http.span_sample_ratio, 0.25);
  EXPECT_EQ(c.http.capture_bytes, 256u);
  EXPECT_EQ(c.http.hooks, "syscalls");
  EXPECT_EQ(c.http.comm, "nginx,envoy");
  EXPECT_EQ(c.http.routes, "/users/{id},/orders/{id}/items");
  EXPECT_EQ(c.http.service_names, "nginx=frontend");
  EXPECT_EQ(c.http.resource_attributes, "k8s.cluster.name=east,deployment.environment=prod");
  EXPECT_EQ(c.http.function_spans, "/usr/bin/app:handle=handle request");
  EXPECT_EQ(c.http.slow_syscall, 10ms);
}

TEST(AgentHttpConfig, EachOfTheseTurnsTheCaptureOn) {
  for (const char* yaml : {"http:\n  enabled: true\n", "http:\n  comm: nginx\n",
                           "http:\n  function_spans: /bin/x:f\n", "http:\n  slow_syscall: 5ms\n"}) {
    EXPECT_TRUE(parse_config_yaml(yaml, "agent.yaml").http.wanted()) << yaml;
  }
  EXPECT_FALSE(parse_config_yaml("http:\n  routes: /a/{id}\n", "agent.yaml").http.wanted());
}

TEST(AgentHttpConfig, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(error_of("http:\n  span_sample_ratio: 1.5\n"),
            "agent.yaml:2: http.span_sample_ratio: expected a share from 0 to 1 such as 0.1, "
            "got '1.5'");
  EXPECT_EQ(error_of("http:\n  hooks: kprobe\n"),
            "agent.yaml:2: http.hooks: expected one of auto, sock, syscalls, got 'kprobe'");
  EXPECT_EQ(error_of("http:\n  capture_bytes: 4096\n"),
            "agent.yaml:2: http.capture_bytes: expected a number from 16 to 1024, got 4096");
  EXPECT_NE(error_of("http:\n  comm: [a, b, c, d, e, f, g, h, i]\n")
                .find("agent.yaml:2: http.comm: http: at most 8 process names"),
            std::string::npos);
  EXPECT_EQ(error_of("\nhttp:\n  routes: [/a, users]\n"),
            "agent.yaml:3: http.routes: expected route templates such as /users/{id}, got "
            "'users'");
  EXPECT_NE(error_of("http:\n  service_names: nginx\n").find("expected KEY=NAME pairs"),
            std::string::npos);
  EXPECT_NE(error_of("http:\n  function_spans: bin:f\n").find("absolute path"), std::string::npos);
  EXPECT_EQ(error_of("http:\n  slow_syscall: soon\n"),
            "agent.yaml:2: http.slow_syscall: expected a duration such as 10ms (0s: off), got "
            "'soon'");
  EXPECT_EQ(error_of("http:\n  routes: [[/a]]\n"),
            "agent.yaml:2: http.routes: expected a list of strings");
  EXPECT_EQ(error_of("http:\n  capture_bytes: [1]\n"),
            "agent.yaml:2: http.capture_bytes: expected a uint value");
}

// The histogram the RED dashboards read: default buckets as the issue
// lists them, overridable, and only bounds Prometheus accepts.
TEST(AgentHttpConfig, DurationBucketsAndPathGuard) {
  AgentConfig defaults;
  const ConfigKey* buckets = find_config_key("http.duration_buckets");
  ASSERT_NE(buckets, nullptr);
  EXPECT_EQ(buckets->get(defaults), "0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10");
  EXPECT_EQ(defaults.http.max_paths, 500u);
  EXPECT_FALSE(defaults.http.metrics_kind_label);  // the four labels

  AgentConfig c = parse_config_yaml(
      "http:\n  duration_buckets: [0.001, 0.25, 30]\n  max_paths: 2000\n"
      "  metrics_kind_label: true\n",
      "agent.yaml");
  EXPECT_EQ(c.http.duration_buckets, (std::vector<double>{0.001, 0.25, 30}));
  EXPECT_EQ(c.http.max_paths, 2000u);
  EXPECT_TRUE(c.http.metrics_kind_label);
  EXPECT_EQ(buckets->get(c), "0.001,0.25,30");

  EXPECT_EQ(error_of("http:\n  duration_buckets: [0.1, 0.05]\n"),
            "agent.yaml:2: http.duration_buckets: bucket bounds must increase: '0.05' after 0.1");
  EXPECT_EQ(error_of("http:\n  duration_buckets: 0.1,0s\n"),
            "agent.yaml:2: http.duration_buckets: expected bucket bounds in seconds such as "
            "0.005,0.1,1, got '0s'");
  EXPECT_NE(error_of("http:\n  duration_buckets: [0, 1]\n").find("got '0'"), std::string::npos);
  EXPECT_NE(error_of("http:\n  duration_buckets: ''\n").find("at least one"), std::string::npos);
  EXPECT_EQ(error_of("http:\n  max_paths: 0\n"),
            "agent.yaml:2: http.max_paths: expected a number from 1 to 100000, got 0");
}

TEST(AgentHttpConfig, RenderedSettingsParseBack) {
  AgentConfig c;
  c.http.enabled = true;
  c.http.otlp_endpoint = "http://collector:4318";
  c.http.otlp_protocol = "http/protobuf";
  c.http.span_sample_ratio = 0.1;
  c.http.comm = "nginx,envoy";
  c.http.routes = "/users/{id}";
  c.http.slow_syscall = 1500us;
  c.http.function_spans = "/srv/app:handle=GET #1: items";  // YAML comment and key syntax
  c.http.duration_buckets = {0.0025, 0.5, 12.5};
  c.http.max_paths = 42;
  AgentConfig back = parse_config_yaml(render_config_yaml(c), "rendered");
  EXPECT_TRUE(changed_keys(c, back).empty()) << render_config_yaml(c);
  EXPECT_EQ(back.http.slow_syscall, 1500us);
  EXPECT_EQ(back.http.function_spans, c.http.function_spans);
}

// The flags users already know are the keys under other names: what the
// agent prints as its effective configuration parses back to the same
// HttpConfig as the keys would give.
TEST(AgentHttpConfig, FlagsAreAliasesOfTheKeys) {
  auto r = ksight::testing::run({KSIGHT_BIN,
                                 "agent",
                                 "--print-config",
                                 "--otlp-endpoint",
                                 "localhost:4317",
                                 "--http-comm",
                                 "nginx",
                                 "--http-comm",
                                 "envoy,haproxy",
                                 "--http-route",
                                 "/users/{id}",
                                 "--http-span-sample-ratio",
                                 "0.5",
                                 "--http-slow-syscall",
                                 "20ms",
                                 "--http-hooks",
                                 "sock",
                                 "--http-buckets",
                                 "0.1",
                                 "--http-buckets",
                                 "1,10",
                                 "--http-max-paths",
                                 "50",
                                 "--http-metrics-kind-label",
                                 "--otlp-header",
                                 "authorization=Bearer abc",
                                 "--otlp-header",
                                 "x-scope-orgid=t1",
                                 "--otlp-traces-endpoint",
                                 "https://collector:4318/v1/traces",
                                 "--otlp-insecure=false",
                                 "--otlp-certificate",
                                 KSIGHT_BIN,
                                 "--http-resource-attribute",
                                 "k8s.cluster.name=east"},
                                30s);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  AgentConfig c = parse_config_yaml(r.out, "--print-config");
  EXPECT_EQ(c.http.otlp_endpoint, "localhost:4317");
  EXPECT_EQ(c.http.comm, "nginx,envoy,haproxy");
  EXPECT_EQ(c.http.routes, "/users/{id}");
  EXPECT_DOUBLE_EQ(c.http.span_sample_ratio, 0.5);
  EXPECT_EQ(c.http.slow_syscall, 20ms);
  EXPECT_EQ(c.http.hooks, "sock");
  EXPECT_EQ(c.http.duration_buckets, (std::vector<double>{0.1, 1, 10}));
  EXPECT_EQ(c.http.max_paths, 50u);
  EXPECT_TRUE(c.http.metrics_kind_label);
  // Header values are often tokens: --print-config shows the names only.
  EXPECT_EQ(c.http.otlp_headers, "authorization=[REDACTED],x-scope-orgid=[REDACTED]");
  EXPECT_EQ(r.out.find("Bearer abc"), std::string::npos);
  EXPECT_EQ(c.http.otlp_traces_endpoint, "https://collector:4318/v1/traces");
  EXPECT_FALSE(c.http.otlp_insecure);
  EXPECT_EQ(c.http.otlp_certificate, KSIGHT_BIN);
  EXPECT_EQ(c.http.resource_attributes, "k8s.cluster.name=east");

  auto flag = ksight::testing::run({KSIGHT_BIN, "agent", "--print-config", "--http"}, 30s);
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_TRUE(parse_config_yaml(flag.out, "--print-config").http.enabled);
}

TEST(AgentHttpConfig, TlsKeys) {
  std::string pem = KSIGHT_BIN;  // readable: all the keys check
  AgentConfig c = parse_config_yaml(
      "http:\n"
      "  otlp_endpoint: https://collector.example:4317\n"
      "  otlp_certificate: " +
          pem +
          "\n"
          "  otlp_client_certificate: " +
          pem + "\n  otlp_client_key: " + pem + "\n",
      "agent.yaml");
  EXPECT_EQ(c.http.export_endpoint(), "https://collector.example:4317");
  EXPECT_EQ(c.http.otlp_certificate, pem);
  EXPECT_EQ(error_of("http:\n  otlp_client_key: /nonexistent/client.key\n"),
            "agent.yaml:2: http.otlp_client_key: cannot read '/nonexistent/client.key': No such "
            "file or directory");
  EXPECT_EQ(error_of("http:\n  otlp_traces_endpoint: grpc://collector\n"),
            "agent.yaml:2: http.otlp_traces_endpoint: expected host:port, http://host:port or "
            "https://host:port, got 'grpc://collector'");
}

TEST(AgentHttpConfig, ExportBatchingKeys) {
  AgentConfig c = parse_config_yaml(
      "http:\n  otlp_timeout: 3s\n  export_queue_size: 1000\n  export_batch_size: 100\n"
      "  export_delay: 250ms\n",
      "agent.yaml");
  EXPECT_EQ(c.http.otlp_timeout, 3s);
  EXPECT_EQ(c.http.export_queue_size, 1000u);
  EXPECT_EQ(c.http.export_batch_size, 100u);
  EXPECT_EQ(c.http.export_delay, 250ms);
  AgentConfig back = parse_config_yaml(render_config_yaml(c), "rendered");
  EXPECT_TRUE(changed_keys(c, back).empty());
  EXPECT_EQ(error_of("http:\n  export_delay: 1ms\n"),
            "agent.yaml:2: http.export_delay: expected a duration from 10ms to 600s, got '1ms'");
  auto r = ksight::testing::run({KSIGHT_BIN, "agent", "--otlp-endpoint",
                                 "--http.export_queue_size=100", "--http.export_batch_size=512"},
                                30s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("http.export_batch_size (512) must not exceed http.export_queue_size (100)"),
            std::string::npos)
      << r.err;
}

// Half a client pair is refused before anything is loaded.
TEST(AgentHttpConfig, ClientCertificateWithoutItsKeyStopsTheAgent) {
  auto r = ksight::testing::run({KSIGHT_BIN, "agent", "--otlp-endpoint", "https://127.0.0.1:1",
                                 "--otlp-client-certificate", KSIGHT_BIN},
                                30s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("http.otlp_client_certificate and http.otlp_client_key go together"),
            std::string::npos)
      << r.err;
}

TEST(AgentHttpConfig, BadFlagValuesNameTheFlag) {
  auto ratio = ksight::testing::run(
      {KSIGHT_BIN, "agent", "--http-span-sample-ratio", "2", "--print-config"}, 30s);
  EXPECT_NE(ratio.exit_code, 0);
  EXPECT_NE(ratio.err.find("--http-span-sample-ratio: expected a share from 0 to 1"),
            std::string::npos)
      << ratio.err;
  auto empty =
      ksight::testing::run({KSIGHT_BIN, "agent", "--http-route", ",", "--print-config"}, 30s);
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_NE(empty.err.find("--http-route: nothing given"), std::string::npos) << empty.err;
}

}  // namespace
}  // namespace ksight::agent
