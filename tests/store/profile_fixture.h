#pragma once
// Small profiles with named stacks for the store and UI tests.
#include <string>
#include <utility>
#include <vector>

#include "profile/profile.h"

namespace ksight::testing {

struct FixtureStack {
  std::vector<std::string> frames;  // root first, e.g. {"main", "work", "leaf"}
  int64_t value = 0;                // samples
};

// A CPU-like profile: {samples,count} and {cpu,nanoseconds} (value * 10 ms),
// one mapping "/bin/<comm>", a location per distinct function, samples
// labelled comm/pid.
inline profile::Profile fixture_profile(const std::vector<FixtureStack>& stacks,
                                        const std::string& comm = "app", int64_t pid = 100) {
  profile::Profile p;
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.period_type = {"cpu", "nanoseconds"};
  p.period = 10000000;
  p.default_sample_type = "cpu";
  p.mappings.push_back({1, 0x400000, 0x500000, 0, "/bin/" + comm, "", false, true});
  auto location_of = [&](const std::string& fn) -> uint64_t {
    for (const auto& l : p.locations) {
      if (l.lines[0].function == fn) return l.id;
    }
    uint64_t id = p.locations.size() + 1;
    p.locations.push_back({id, 1, 0x400000 + id * 16, {{fn, fn, comm + ".c", 1}}, false});
    return id;
  };
  for (const auto& st : stacks) {
    profile::Sample s;
    for (auto it = st.frames.rbegin(); it != st.frames.rend(); ++it) {
      s.location_ids.push_back(location_of(*it));
    }
    s.values = {st.value, st.value * p.period};
    s.labels.push_back({"comm", comm, 0, "", false});
    s.labels.push_back({"pid", "", pid, "", true});
    p.samples.push_back(std::move(s));
  }
  return p;
}

// Sum of the `type` values of the samples whose leaf is `function`.
inline int64_t leaf_value(const profile::Profile& p, const std::string& function,
                          const std::string& type = "samples") {
  int index = p.value_index(type);
  int64_t sum = 0;
  for (const auto& s : p.samples) {
    if (!s.location_ids.empty() && p.location(s.location_ids[0]).lines[0].function == function) {
      sum += s.values[index];
    }
  }
  return sum;
}

}  // namespace ksight::testing
