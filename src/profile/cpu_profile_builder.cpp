#include "profile/cpu_profile_builder.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "profile/profile_assembler.h"

namespace ksight::profile {
namespace {

// Every frame but the leaf holds a return address: the instruction after the
// call. Symbolizing address-1 names the call site, which matters at function
// ends (calls to noreturn functions) and for lines of inlined calls.
uint64_t lookup_address(uint64_t address, size_t index) {
  return index == 0 || address == 0 ? address : address - 1;
}

using SymbolTable = std::map<uint64_t, symbolizer::SymbolizedAddress>;

SymbolTable symbolize(
    const std::set<uint64_t>& addresses,
    const std::function<std::vector<symbolizer::SymbolizedAddress>(std::span<const uint64_t>)>&
        resolve) {
  std::vector<uint64_t> list(addresses.begin(), addresses.end());
  auto resolved = resolve(list);
  SymbolTable table;
  for (size_t i = 0; i < list.size(); ++i) {
    if (i < resolved.size()) {
      table.emplace(list[i], std::move(resolved[i]));
      continue;
    }
    // A symbolizer that answered short must not make frames vanish.
    symbolizer::SymbolizedAddress unknown;
    unknown.address = list[i];
    unknown.frames.push_back({"[unknown]", "[unknown]", "", 0});
    table.emplace(list[i], std::move(unknown));
  }
  return table;
}

}  // namespace

size_t CpuProfileBuilder::StackKeyHash::operator()(const StackKey& key) const {
  size_t h = std::hash<uint32_t>{}(key.pid) ^ (std::hash<std::string>{}(key.comm) << 1);
  for (uint64_t a : key.kernel) h = h * 1000003u ^ std::hash<uint64_t>{}(a);
  for (uint64_t a : key.user) h = h * 1000033u ^ std::hash<uint64_t>{}(a);
  return h;
}

CpuProfileBuilder::CpuProfileBuilder(symbolizer::Symbolizer& symbolizer,
                                     const CpuProfileOptions& options)
    : symbolizer_(symbolizer), options_(options) {}

void CpuProfileBuilder::add(const StackSample& sample) {
  if (sample.pid != 0 && observed_pids_.emplace(sample.pid, true).second) {
    symbolizer_.observe_process(sample.pid);
  }
  StackKey key{sample.pid,
               std::string(sample.comm),
               {sample.kernel_stack.begin(), sample.kernel_stack.end()},
               {sample.user_stack.begin(), sample.user_stack.end()}};
  ++counts_[std::move(key)];
  ++samples_;
}

Profile CpuProfileBuilder::build(int64_t time_nanos, int64_t duration_nanos) {
  Profile profile;
  const int64_t period = 1'000'000'000LL / std::max(1, options_.frequency_hz);
  profile.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  profile.period_type = {"cpu", "nanoseconds"};
  profile.period = period;
  profile.default_sample_type = "cpu";
  profile.time_nanos = time_nanos;
  profile.duration_nanos = duration_nanos;

  std::set<uint64_t> kernel_addresses;
  std::map<uint32_t, std::set<uint64_t>> user_addresses;
  for (const auto& [key, count] : counts_) {
    for (size_t i = 0; i < key.kernel.size(); ++i) {
      kernel_addresses.insert(lookup_address(key.kernel[i], i));
    }
    for (size_t i = 0; i < key.user.size(); ++i) {
      user_addresses[key.pid].insert(lookup_address(key.user[i], i));
    }
  }
  SymbolTable kernel_symbols = symbolize(kernel_addresses, [&](std::span<const uint64_t> a) {
    return symbolizer_.symbolize_kernel(a);
  });
  std::map<uint32_t, SymbolTable> user_symbols;
  for (const auto& [pid, addresses] : user_addresses) {
    user_symbols[pid] = symbolize(addresses, [&, pid = pid](std::span<const uint64_t> a) {
      return symbolizer_.symbolize_user(pid, a);
    });
  }

  ProfileAssembler assembler(profile);
  for (const auto& [key, count] : counts_) {
    Sample sample;
    // Leaf first: the kernel part of the stack sits on top of the user part.
    for (size_t i = 0; i < key.kernel.size(); ++i) {
      uint64_t lookup = lookup_address(key.kernel[i], i);
      sample.location_ids.push_back(
          assembler.location_for(0, lookup, kernel_symbols.at(lookup), /*kernel=*/true));
    }
    auto& table = user_symbols[key.pid];
    for (size_t i = 0; i < key.user.size(); ++i) {
      uint64_t lookup = lookup_address(key.user[i], i);
      sample.location_ids.push_back(
          assembler.location_for(key.pid, lookup, table.at(lookup), /*kernel=*/false));
    }
    sample.values = {static_cast<int64_t>(count), static_cast<int64_t>(count) * period};
    sample.labels.push_back({"comm", key.comm, 0, "", false});
    sample.labels.push_back({"pid", "", static_cast<int64_t>(key.pid), "", true});
    profile.samples.push_back(std::move(sample));
  }
  return profile;
}

}  // namespace ksight::profile
