#pragma once
// Request targets → low-cardinality paths for metric labels and span names.
//   "/users/42/orders?x=1"                          → "/users/{id}/orders"
//   "/o/3f2c9a1e-8b7d-4c1e-9f00-123456789abc"       → "/o/{id}"
//   "/blob/9f86d081884c7d65"                        → "/blob/{id}"   (hex, >= 8, has a digit)
// Route templates ("/users/{user}/orders", "/api/:name", "/static/*") match
// segment by segment; the first matching template is the route (http.route).
// Top-N guard: at most max_paths distinct normalised paths are admitted;
// later ones become "{other}" and are counted.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ksight::otel {

inline constexpr std::string_view kOtherPath = "{other}";

struct NormalizedPath {
  std::string path;                  // the label value
  std::optional<std::string> route;  // a configured template matched
};

class PathNormalizer {
 public:
  explicit PathNormalizer(std::vector<std::string> routes = {}, size_t max_paths = 500);

  NormalizedPath normalize(std::string_view target);
  uint64_t folded() const { return folded_; }

 private:
  std::optional<std::string> match_route(const std::vector<std::string_view>& segments) const;

  std::vector<std::vector<std::string>> routes_;  // split templates
  std::vector<std::string> route_text_;
  size_t max_paths_;
  std::mutex mutex_;
  std::unordered_set<std::string> admitted_;
  uint64_t folded_ = 0;

  // Raw paths (no query) already normalised; emptied when it reaches
  // kMaxCachedPaths (ids in paths make raw paths unbounded).
  struct CachedPath {
    NormalizedPath result;
    bool folded = false;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static constexpr size_t kMaxCachedPaths = 4096;
  std::unordered_map<std::string, CachedPath, StringHash, std::equal_to<>> cache_;
};

// The path of a request-target without query or fragment; absolute-form
// ("http://host/p") keeps only "/p".
std::string_view target_path(std::string_view target);
// Whether one segment looks like an identifier (numeric, uuid, long hex).
bool is_id_segment(std::string_view segment);
// Segment-wise normalisation only (no routes, no guard).
std::string normalize_path(std::string_view path);

}  // namespace ksight::otel
