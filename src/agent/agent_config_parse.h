#pragma once
// Value parsers shared by the agent's configuration tables (agent_config.cpp
// and the http.* keys in agent_config_http.cpp). Each returns nullopt when
// the value was stored, else what is wrong with it: the caller adds the
// file:line or the flag name.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "agent/agent_config.h"
#include "common/duration.h"

namespace ksight::agent::config_detail {

using Result = std::optional<std::string>;

Result parse_bool(const std::string& v, bool& out);
Result parse_uint(const std::string& v, uint32_t& out, uint64_t min, uint64_t max);

template <typename D>
Result parse_dur(const std::string& v, D& out, std::chrono::milliseconds min,
                 std::chrono::milliseconds max) {
  auto d = parse_duration(v);
  if (!d) return "expected a duration such as 500ms, 10s or 2m, got '" + v + "'";
  if (*d < min || *d > max) {
    return "expected a duration from " + std::to_string(min.count()) + "ms to " +
           std::to_string(max.count() / 1000) + "s, got '" + v + "'";
  }
  out = std::chrono::duration_cast<D>(*d);
  return std::nullopt;
}

// The keys of the http section (agent_config_http.cpp).
std::vector<ConfigKey> http_config_keys();

}  // namespace ksight::agent::config_detail

#define KEY_BOOL(key, field, reload, help_text)                                       \
  ConfigKey {                                                                         \
    key, "bool", help_text, reload,                                                   \
        [](const AgentConfig& c) { return std::string(c.field ? "true" : "false"); }, \
        [](AgentConfig& c, const std::string& v) { return parse_bool(v, c.field); }   \
  }

// A comma-separated list checked by `check` (a Result(const std::string&)).
// In YAML it may also be written as a sequence (see ConfigKey::list).
#define KEY_LIST(key, field, check, help_text)                                   \
  ConfigKey {                                                                    \
    key, "list", help_text, false, [](const AgentConfig& c) { return c.field; }, \
        [](AgentConfig& c, const std::string& v) -> Result {                     \
          if (auto err = check(v)) return err;                                   \
          c.field = v;                                                           \
          return std::nullopt;                                                   \
        }                                                                        \
  }
