#include "rules/alert.h"

#include <nlohmann/json.hpp>

#include <ctime>

namespace ksight::rules {

std::string format_rfc3339_ns(uint64_t ns) {
  time_t secs = static_cast<time_t>(ns / 1'000'000'000ULL);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned long long>(ns % 1'000'000'000ULL));
  return buf;
}

std::string alert_to_json(const Alert& alert) {
  nlohmann::ordered_json j;
  j["time"] = format_rfc3339_ns(alert.time_ns);
  j["rule"] = alert.rule;
  j["priority"] = std::string(priority_name(alert.priority));
  j["source"] = alert.source;
  j["hostname"] = alert.hostname;
  j["output"] = alert.output;
  auto fields = nlohmann::ordered_json::object();
  for (const auto& f : alert.output_fields) {
    if (!f.present) {
      fields[f.name] = nullptr;
    } else if (f.numeric) {
      fields[f.name] = std::stoll(f.value);
    } else {
      fields[f.name] = f.value;
    }
  }
  j["output_fields"] = std::move(fields);
  j["tags"] = alert.tags;
  // Event data is not guaranteed UTF-8 (paths, argv): replace bad bytes
  // rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ksight::rules
