// The agent config keys of issue 8 (profile types, store, Pyroscope push):
// defaults, YAML and flag forms, and errors that name the key and line.
#include <gtest/gtest.h>

#include "agent/agent_config.h"
#include "common/error.h"

namespace ksight::agent {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_config_yaml(yaml, "agent.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string flag_error(const std::string& key, const std::string& value) {
  AgentConfig c;
  try {
    apply_config_value(c, key, value);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(StoreConfig, Defaults) {
  AgentConfig c = parse_config_yaml("", "agent.yaml");
  EXPECT_FALSE(c.profiler_offcpu);
  EXPECT_FALSE(c.profiler_kalloc);
  EXPECT_EQ(c.profiler_kalloc_sample_bytes, 256u * 1024);
  EXPECT_EQ(c.profiler_symbol_cache_mib, 64u);
  EXPECT_EQ(c.profiler_offcpu_min_block, std::chrono::milliseconds(1));
  EXPECT_EQ(c.store_memory_mib, 64u);
  EXPECT_EQ(c.store_spill_dir, "");
  EXPECT_EQ(c.store_disk_mib, 512u);
  EXPECT_EQ(c.store_retention, std::chrono::seconds(0));
  EXPECT_EQ(c.push_pyroscope_url, "");
  EXPECT_EQ(c.push_app_name, "ksight");
  EXPECT_EQ(c.push_queue, 256u);
}

TEST(StoreConfig, ParsesEveryKeyFromYaml) {
  AgentConfig c = parse_config_yaml(
      "profiler:\n  offcpu: true\n  offcpu_min_block: 250us\n  kalloc: yes\n"
      "  kalloc_sample_bytes: 64KiB\n  symbol_cache_mib: 32\n"
      "store:\n  memory_mib: 128\n  spill_dir: /var/lib/ksight/profiles\n  disk_mib: 2048\n"
      "  retention: 24h\n"
      "push:\n  pyroscope_url: http://pyroscope:4040\n  app_name: node\n"
      "  labels: cluster=prod,node=n1\n  queue: 32\n",
      "agent.yaml");
  EXPECT_TRUE(c.profiler_offcpu);
  EXPECT_EQ(c.profiler_offcpu_min_block, std::chrono::microseconds(250));
  EXPECT_TRUE(c.profiler_kalloc);
  EXPECT_EQ(c.profiler_kalloc_sample_bytes, 64u * 1024);
  EXPECT_EQ(c.profiler_symbol_cache_mib, 32u);
  EXPECT_EQ(c.store_memory_mib, 128u);
  EXPECT_EQ(c.store_spill_dir, "/var/lib/ksight/profiles");
  EXPECT_EQ(c.store_disk_mib, 2048u);
  EXPECT_EQ(c.store_retention, std::chrono::hours(24));
  EXPECT_EQ(c.push_pyroscope_url, "http://pyroscope:4040");
  EXPECT_EQ(c.push_app_name, "node");
  EXPECT_EQ(c.push_labels, "cluster=prod,node=n1");
  EXPECT_EQ(c.push_queue, 32u);
}

TEST(StoreConfig, FlagsAndPrintedConfigRoundTrip) {
  AgentConfig c;
  apply_config_value(c, "profiler.offcpu_min_block", "1500us");
  apply_config_value(c, "store.retention", "2h");
  apply_config_value(c, "push.labels", "env=dev");
  apply_config_value(c, "profiler.kalloc_sample_bytes", "1MiB");
  std::string yaml = render_config_yaml(c);
  EXPECT_NE(yaml.find("offcpu_min_block: 1500us"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("retention: 7200s"), std::string::npos) << yaml;
  AgentConfig again = parse_config_yaml(yaml, "printed.yaml");
  EXPECT_EQ(again.profiler_offcpu_min_block, std::chrono::microseconds(1500));
  EXPECT_EQ(again.store_retention, std::chrono::hours(2));
  EXPECT_EQ(again.push_labels, "env=dev");
  EXPECT_EQ(again.profiler_kalloc_sample_bytes, 1u << 20);
  EXPECT_TRUE(changed_keys(c, again).empty());
  EXPECT_EQ(again.store_spill_dir, "");  // printed as "", read back as empty
  EXPECT_EQ(again.push_pyroscope_url, "");
}

TEST(StoreConfig, RejectsBadValuesNamingKeyAndLine) {
  EXPECT_EQ(error_of("store:\n  spill_dir: relative/dir\n"),
            "agent.yaml:2: store.spill_dir: expected an absolute path or nothing, got "
            "'relative/dir'");
  EXPECT_EQ(error_of("store:\n  memory_mib: 0\n"),
            "agent.yaml:2: store.memory_mib: expected a number from 1 to 65536, got 0");
  EXPECT_EQ(error_of("push:\n  pyroscope_url: pyroscope:4040\n"),
            "agent.yaml:2: push.pyroscope_url: expected an http:// or https:// URL, got "
            "'pyroscope:4040'");
  EXPECT_EQ(error_of("push:\n\n  labels: cluster=prod,=x\n"),
            "agent.yaml:3: push.labels: expected name=value pairs separated by commas, got '=x'");
  EXPECT_EQ(error_of("profiler:\n  offcpu_min_block: 0s\n"),
            "agent.yaml:2: profiler.offcpu_min_block: expected a duration from 1us to 10s, got "
            "'0s'");
  EXPECT_EQ(flag_error("push.app_name", "my app"),
            "--push.app_name: expected a name without spaces or {}=, got 'my app'");
  EXPECT_EQ(flag_error("store.retention", "31d"),
            "--store.retention: expected a duration such as 500ms, 10s or 2m, got '31d'");
  EXPECT_EQ(flag_error("store.retention", "721h"),
            "--store.retention: expected a duration from 0ms to 2592000s, got '721h'");
  EXPECT_NE(flag_error("push.labels", "9x=1"), "");
  EXPECT_EQ(flag_error("push.labels", ""), "");  // empty: no extra labels
  EXPECT_EQ(flag_error("store.spill_dir", ""), "");
  EXPECT_EQ(flag_error("profiler.kalloc_sample_bytes", "0"),
            "--profiler.kalloc_sample_bytes: expected a byte count from 1 to 1GiB such as "
            "262144 or 256KiB, got '0'");
  EXPECT_NE(flag_error("profiler.kalloc_sample_bytes", "2GiB"), "");
  EXPECT_EQ(flag_error("profiler.symbol_cache_mib", "0"),
            "--profiler.symbol_cache_mib: expected a number from 1 to 4096, got 0");
  EXPECT_NE(flag_error("profiler.kalloc_sample_bytes", "lots"), "");
  EXPECT_EQ(flag_error("profiler.kalloc_sample_bytes", "1"), "");
}

TEST(StoreConfig, UserAllocationKeys) {
  AgentConfig d;
  EXPECT_EQ(d.profiler_ualloc_comm, "");
  EXPECT_EQ(d.profiler_ualloc_pids, "");
  EXPECT_EQ(d.profiler_ualloc_sample_bytes, 512u * 1024);
  EXPECT_EQ(d.profiler_ualloc_max_processes, 64u);
  AgentConfig c = parse_config_yaml(
      "profiler:\n  ualloc_comm: nginx, redis-server\n  ualloc_pids: 42,7\n"
      "  ualloc_sample_bytes: 64KiB\n  ualloc_max_processes: 8\n",
      "agent.yaml");
  EXPECT_EQ(c.profiler_ualloc_comm, "nginx, redis-server");
  EXPECT_EQ(c.profiler_ualloc_pids, "42,7");
  EXPECT_EQ(c.profiler_ualloc_sample_bytes, 64u * 1024);
  EXPECT_EQ(c.profiler_ualloc_max_processes, 8u);
  AgentConfig again = parse_config_yaml(render_config_yaml(c), "printed.yaml");
  EXPECT_TRUE(changed_keys(c, again).empty());
  EXPECT_EQ(error_of("profiler:\n  ualloc_comm: nginx,a-name-longer-than-15\n"),
            "agent.yaml:2: profiler.ualloc_comm: 'a-name-longer-than-15' is longer than the "
            "kernel's 15-character comm; use its first 15 (a-name-longer-t)");
  EXPECT_EQ(flag_error("profiler.ualloc_pids", "12,x"),
            "--profiler.ualloc_pids: expected process ids (1..4294967295), got 'x'");
  EXPECT_NE(flag_error("profiler.ualloc_pids", "0"), "");
  EXPECT_NE(flag_error("profiler.ualloc_pids", "4294967296"), "");
  EXPECT_NE(flag_error("profiler.ualloc_sample_bytes", "0"), "");
  EXPECT_NE(flag_error("profiler.ualloc_max_processes", "0"), "");
  EXPECT_EQ(flag_error("profiler.ualloc_comm", ""), "");  // empty: off
}

}  // namespace
}  // namespace ksight::agent
