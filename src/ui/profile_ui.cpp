#include "ui/profile_ui.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "export/pprof_writer.h"
#include "store/profile_merge.h"
#include "ui/assets.h"
#include "ui/flame_json.h"

namespace ksight::ui {

namespace {

constexpr const char* kJson = "application/json";

int64_t time_param(const httplib::Request& req, const char* name, int64_t fallback) {
  if (!req.has_param(name)) return fallback;
  std::string s = req.get_param_value(name);
  if (s.empty()) return fallback;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end || errno) throw Error(std::string(name) + " must be Unix nanoseconds, got '" + s + "'");
  return v;
}

store::TimeRange range_param(const httplib::Request& req, const char* from, const char* to) {
  store::TimeRange r;
  r.from_ns = time_param(req, from, r.from_ns);
  r.to_ns = time_param(req, to, r.to_ns);
  if (r.to_ns <= r.from_ns) throw Error(std::string(to) + " must be after " + from);
  return r;
}

store::Selector selector_param(const httplib::Request& req) {
  return store::Selector::parse(req.has_param("selector") ? req.get_param_value("selector") : "");
}

FlameOptions flame_options(const httplib::Request& req) {
  FlameOptions o;
  if (req.has_param("type")) o.value_type = req.get_param_value("type");
  return o;
}

// Process names, file paths and symbols are bytes, not always UTF-8:
// dump() would throw on them (and fail the whole flame graph); they are
// sent with U+FFFD instead.
std::string to_json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void send_json(httplib::Response& res, const nlohmann::json& j) {
  res.set_header("Cache-Control", "no-store");
  res.set_content(to_json_text(j), kJson);
}

// Runs `handler`, turning user mistakes (ksight::Error) into 400s.
template <typename F>
auto guarded(F handler) {
  return [handler](const httplib::Request& req, httplib::Response& res) {
    try {
      handler(req, res);
    } catch (const Error& e) {
      res.status = 400;
      res.set_content(to_json_text({{"error", e.what()}}), kJson);
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(to_json_text({{"error", e.what()}}), kJson);
    }
  };
}

}  // namespace

void ProfileUi::install(httplib::Server& server) {
  auto bind = [this](void (ProfileUi::*method)(const httplib::Request&, httplib::Response&)) {
    return guarded(
        [this, method](const httplib::Request& q, httplib::Response& r) { (this->*method)(q, r); });
  };
  server.Get("/api/v1/labels", bind(&ProfileUi::labels));
  server.Get("/api/v1/series", bind(&ProfileUi::series));
  server.Get("/api/v1/windows", bind(&ProfileUi::windows));
  server.Get("/api/v1/profile", bind(&ProfileUi::profile));
  server.Get("/api/v1/diff", bind(&ProfileUi::diff));
  server.Get("/api/v1/pprof", bind(&ProfileUi::pprof));
  server.Get(R"(/ui/([A-Za-z0-9_.-]+))", bind(&ProfileUi::asset));
}

void ProfileUi::serve_index(const httplib::Request&, httplib::Response& res) {
  const Asset* a = find_asset("index.html");
  res.set_content(std::string(a->body), std::string(a->content_type));
}

void ProfileUi::asset(const httplib::Request& req, httplib::Response& res) {
  const Asset* a = find_asset(req.matches[1].str());
  if (!a) {
    res.status = 404;
    res.set_content("no such asset\n", "text/plain");
    return;
  }
  res.set_content(std::string(a->body), std::string(a->content_type));
}

void ProfileUi::labels(const httplib::Request&, httplib::Response& res) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [key, values] : store_.label_values()) labels[key] = values;
  send_json(res, {{"labels", labels}});
}

void ProfileUi::series(const httplib::Request& req, httplib::Response& res) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : store_.series(selector_param(req))) {
    out.push_back({{"labels", s.labels},
                   {"windows", s.windows},
                   {"first_ns", s.first_ns},
                   {"last_ns", s.last_ns}});
  }
  send_json(res, {{"series", out}});
}

// Distinct window bounds of the matching series: the time picker's ticks.
void ProfileUi::windows(const httplib::Request& req, httplib::Response& res) {
  std::set<std::pair<int64_t, int64_t>> bounds;
  for (const auto& w : store_.windows(selector_param(req), range_param(req, "from", "to"))) {
    bounds.emplace(w.start_ns, w.end_ns);
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [start, end] : bounds) {
    out.push_back({std::to_string(start), std::to_string(end)});
  }
  nlohmann::json j = {{"windows", out}};
  if (!bounds.empty()) {
    j["first_ns"] = bounds.begin()->first;
    int64_t last = 0;
    for (const auto& b : bounds) last = std::max(last, b.second);
    j["last_ns"] = last;
  }
  send_json(res, j);
}

void ProfileUi::profile(const httplib::Request& req, httplib::Response& res) {
  auto range = range_param(req, "from", "to");
  auto merged = store_.query(selector_param(req), range);
  send_json(res, profile_json(merged, flame_options(req)));
}

void ProfileUi::diff(const httplib::Request& req, httplib::Response& res) {
  auto selector = selector_param(req);
  auto target = store_.query(selector, range_param(req, "from", "to"));
  auto base = store_.query(selector, range_param(req, "base_from", "base_to"));
  send_json(res, profile_json(target, flame_options(req), &base));
}

void ProfileUi::pprof(const httplib::Request& req, httplib::Response& res) {
  auto selector = selector_param(req);
  auto merged = store_.query(selector, range_param(req, "from", "to"));
  std::string name = "ksight.pb.gz";
  if (req.has_param("base_from") || req.has_param("base_to")) {
    auto base = store_.query(selector, range_param(req, "base_from", "base_to"));
    merged = store::diff_profiles(base, merged);
    name = "ksight-diff.pb.gz";
  }
  if (merged.sample_types.empty()) throw Error("no stored windows match the selector and range");
  res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
  res.set_content(exporter::encode_pprof(merged), "application/octet-stream");
}

}  // namespace ksight::ui
