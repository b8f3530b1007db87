#include "agent/online_cpus.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace ksight::agent {

std::vector<int> parse_cpu_list(const std::string& text) {
  std::vector<int> cpus;
  std::stringstream in(text);
  std::string range;
  while (std::getline(in, range, ',')) {
    if (range.empty() || range == "\n") continue;
    int first = -1, last = -1;
    char dash = 0;
    std::stringstream parts(range);
    parts >> first;
    if (!parts) return {};
    if (parts >> dash) {
      if (dash != '-' || !(parts >> last) || last < first) return {};
    } else {
      last = first;
    }
    for (int cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
  }
  return cpus;
}

std::vector<int> online_cpus() {
  std::ifstream in("/sys/devices/system/cpu/online");
  std::string text;
  std::getline(in, text);
  std::vector<int> cpus = parse_cpu_list(text);
  if (cpus.empty()) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    for (int cpu = 0; cpu < n; ++cpu) cpus.push_back(cpu);
  }
  return cpus;
}

}  // namespace ksight::agent
