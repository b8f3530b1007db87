#include "otel/path_normalizer.h"

#include <algorithm>
#include <cctype>

namespace ksight::otel {
namespace {

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

bool all_of(std::string_view s, int (*pred)(int)) {
  return std::all_of(s.begin(), s.end(),
                     [pred](char c) { return pred(static_cast<unsigned char>(c)); });
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

}  // namespace

std::string_view target_path(std::string_view target) {
  if (size_t scheme = target.find("://"); scheme != std::string_view::npos && target[0] != '/') {
    size_t slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  size_t cut = target.find_first_of("?#");
  if (cut != std::string_view::npos) target = target.substr(0, cut);
  return target.empty() ? std::string_view("/") : target;
}

bool is_id_segment(std::string_view s) {
  if (s.empty()) return false;
  if (all_of(s, isdigit)) return true;
  if (is_uuid(s)) return true;
  bool has_digit = std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  return s.size() >= 8 && has_digit && all_of(s, isxdigit);
}

std::string normalize_path(std::string_view path) {
  std::string out;
  for (std::string_view seg : split(path)) {
    out += '/';
    out += is_id_segment(seg) ? std::string_view("{id}") : seg;
  }
  if (out.empty() || (path.size() > 1 && path.back() == '/')) out += '/';
  return out;
}

PathNormalizer::PathNormalizer(std::vector<std::string> routes, size_t max_paths)
    : route_text_(std::move(routes)), max_paths_(max_paths) {
  for (const auto& r : route_text_) {
    std::vector<std::string> segs;
    for (auto s : split(r)) segs.emplace_back(s);
    routes_.push_back(std::move(segs));
  }
}

std::optional<std::string> PathNormalizer::match_route(
    const std::vector<std::string_view>& segments) const {
  for (size_t r = 0; r < routes_.size(); ++r) {
    const auto& tpl = routes_[r];
    bool ok = true;
    size_t i = 0;
    for (; i < tpl.size() && ok; ++i) {
      const std::string& t = tpl[i];
      if (t == "*" && i + 1 == tpl.size()) return route_text_[r];
      if (i >= segments.size()) {
        ok = false;
      } else if (!(t.starts_with('{') && t.ends_with('}')) && !t.starts_with(':')) {
        ok = t == segments[i];
      }
    }
    if (ok && i == segments.size()) return route_text_[r];
  }
  return std::nullopt;
}

// A path's answer never changes once given (the admitted set only grows, and
// once full it stays full), so it is remembered: a server sees the same few
// paths over and over, and splitting, matching and joining each time was
// ~5% of the agent's work per request.
NormalizedPath PathNormalizer::normalize(std::string_view target) {
  std::string_view path = target_path(target);
  std::lock_guard lock(mutex_);
  if (auto it = cache_.find(path); it != cache_.end()) {
    if (it->second.folded) ++folded_;
    return it->second.result;
  }
  CachedPath entry;
  NormalizedPath& out = entry.result;
  out.route = match_route(split(path));
  out.path = out.route ? *out.route : normalize_path(path);
  if (max_paths_ && !admitted_.contains(out.path)) {
    if (admitted_.size() >= max_paths_) {
      ++folded_;
      entry.folded = true;
      out.path = kOtherPath;
    } else {
      admitted_.insert(out.path);
    }
  }
  if (cache_.size() >= kMaxCachedPaths) cache_.clear();
  return cache_.emplace(std::string(path), std::move(entry)).first->second.result;
}

}  // namespace ksight::otel
