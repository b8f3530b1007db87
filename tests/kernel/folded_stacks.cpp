#include "kernel/folded_stacks.h"

#include <algorithm>
#include <sstream>

namespace ksight::testing {

std::vector<FoldedStack> parse_folded(const std::string& text) {
  std::vector<FoldedStack> stacks;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    FoldedStack stack;
    stack.count = std::stoull(line.substr(space + 1));
    std::istringstream frames(line.substr(0, space));
    std::string frame;
    while (std::getline(frames, frame, ';')) stack.frames.push_back(frame);
    stacks.push_back(std::move(stack));
  }
  return stacks;
}

uint64_t count_if(const std::vector<FoldedStack>& stacks,
                  const std::function<bool(const FoldedStack&)>& predicate) {
  uint64_t total = 0;
  for (const auto& s : stacks) {
    if (predicate(s)) total += s.count;
  }
  return total;
}

bool contains_chain(const FoldedStack& stack, const std::vector<std::string>& chain) {
  return std::search(stack.frames.begin(), stack.frames.end(), chain.begin(), chain.end()) !=
         stack.frames.end();
}

}  // namespace ksight::testing
