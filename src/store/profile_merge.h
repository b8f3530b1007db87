#pragma once
// Merging profile windows into one profile, and the pprof-style diff of two.
// Windows of one series share their shape; windows of different series (other
// processes) do not, so mappings and locations are deduplicated by what they
// are (object, address, frames), not by id.
#include <memory>
#include <vector>

#include "profile/profile.h"
#include "store/labels.h"

namespace ksight::store {

class ProfileMerger {
 public:
  ProfileMerger();
  ~ProfileMerger();
  ProfileMerger(const ProfileMerger&) = delete;
  ProfileMerger& operator=(const ProfileMerger&) = delete;

  // Adds every sample of `p` multiplied by `sign` (-1 subtracts, for diffs).
  // Sample types are matched by name; the first profile added fixes them, a
  // type missing from a later profile contributes 0. Samples with equal
  // stacks and labels are summed. `extra_labels` are added to every sample
  // that lacks them (the series labels of a stored window; "type" is not).
  void add(const profile::Profile& p, int64_t sign = 1, const Labels* extra_labels = nullptr);
  // The merged profile: time is the earliest start, duration spans to the
  // latest end. The merger is empty afterwards.
  profile::Profile take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

profile::Profile merge_profiles(const std::vector<const profile::Profile*>& profiles);

// `target` minus `base`, as `go tool pprof -diff_base` shows it: samples of
// the base carry negated values. Useful as a downloadable diff.
profile::Profile diff_profiles(const profile::Profile& base, const profile::Profile& target);

}  // namespace ksight::store
