#pragma once
#include <string>
#include <vector>

namespace ksight::agent {

// Parses a kernel CPU list such as "0-3,5,7-8" (/sys/devices/system/cpu/online).
// Returns an empty vector for malformed input.
std::vector<int> parse_cpu_list(const std::string& text);

// The CPUs online now.
std::vector<int> online_cpus();

}  // namespace ksight::agent
