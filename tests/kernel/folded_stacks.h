#pragma once
// Reads Brendan Gregg's folded format ("root;a;b 12" per line) back into
// stacks, for assertions on what `ksight profile` wrote.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ksight::testing {

struct FoldedStack {
  std::vector<std::string> frames;  // root (comm) first, leaf last
  uint64_t count = 0;
};

std::vector<FoldedStack> parse_folded(const std::string& text);

// Sum of counts of the stacks for which `predicate` holds.
uint64_t count_if(const std::vector<FoldedStack>& stacks,
                  const std::function<bool(const FoldedStack&)>& predicate);

// True when `chain` appears as consecutive frames of `stack`.
bool contains_chain(const FoldedStack& stack, const std::vector<std::string>& chain);

}  // namespace ksight::testing
