#include "agent/kalloc_aggregator.h"

namespace ksight::agent {

void KernelAllocAggregator::add(const Sample& s) {
  Key key{s.pid, std::string(s.comm), std::vector<uint64_t>(s.stack.begin(), s.stack.end()),
          s.size};
  auto it = keys_.try_emplace(std::move(key)).first;
  ++it->second.allocs;
  if (!s.tracked) return;
  auto [slot, fresh] = live_.try_emplace(s.ptr, Live{s.stamp, it});
  if (!fresh) {
    // The kernel replaced the pointer's entry: its earlier sample's free
    // went unseen (the live map holds only the newest stamp).
    --slot->second.key->second.live;
    slot->second = Live{s.stamp, it};
  }
  ++it->second.live;
}

std::vector<AllocCount> KernelAllocAggregator::take(
    const std::unordered_map<uint64_t, uint64_t>& live) {
  for (auto it = live_.begin(); it != live_.end();) {
    auto k = live.find(it->first);
    if (k != live.end() && k->second == it->second.stamp) {
      ++it;
      continue;
    }
    --it->second.key->second.live;
    it = live_.erase(it);
  }
  std::vector<AllocCount> out;
  for (auto it = keys_.begin(); it != keys_.end();) {
    auto& [key, c] = *it;
    if (c.allocs || c.live) {
      AllocCount a;
      a.pid = key.pid;
      a.comm = key.comm;
      a.kernel = key.stack;
      a.size = key.size;
      a.allocs = c.allocs;
      a.live = c.live;
      out.push_back(std::move(a));
    }
    c.allocs = 0;
    it = c.live ? std::next(it) : keys_.erase(it);
  }
  return out;
}

}  // namespace ksight::agent
