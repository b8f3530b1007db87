#pragma once
// Series labels and the selectors that pick series by them. A series is one
// stream of profile windows with fixed labels: comm, pid, container_id,
// pod_uid and the profile type ("type": cpu, off_cpu, alloc...).
//
// Selector grammar (Prometheus-like, braces and quotes optional):
//   selector := [ '{' ] [ matcher { ',' matcher } ] [ '}' ]
//   matcher  := key ( '=' | '!=' ) value
//   value    := '"' { char | '\"' } '"' | bare
// An empty selector matches every series; `key!=""` asks that a label be set.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ksight::store {

using Labels = std::map<std::string, std::string>;

// The label that names the profile type of a series.
inline constexpr const char* kTypeLabel = "type";

struct Matcher {
  std::string key;
  std::string value;
  bool negate = false;
};

class Selector {
 public:
  Selector() = default;
  // Throws ksight::Error naming the column of the first mistake.
  static Selector parse(std::string_view text);
  bool matches(const Labels& labels) const;
  const std::vector<Matcher>& matchers() const { return matchers_; }
  Selector& add(Matcher m) {
    matchers_.push_back(std::move(m));
    return *this;
  }

 private:
  std::vector<Matcher> matchers_;
};

// `{comm="app",pid="1"}`: the canonical text of a label set.
std::string format_labels(const Labels& labels);

}  // namespace ksight::store
