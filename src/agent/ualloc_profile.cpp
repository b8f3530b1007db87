// The kernel-free half of the user allocation profiler: the caller splice,
// the pprof shape and finding the allocator (sampling: alloc_sampling.cpp).
#include <sstream>

#include "agent/ualloc_profiler.h"

namespace ksight::agent {

std::vector<uint64_t> splice_caller(std::vector<uint64_t> stack, uint64_t caller) {
  if (caller == 0 || (stack.size() > 1 && stack[1] == caller)) return stack;
  stack.insert(stack.begin() + (stack.empty() ? 0 : 1), caller);
  return stack;
}

profile::Profile build_user_alloc_profile(const std::vector<StackRecord>& records,
                                          symbolizer::Symbolizer& symbolizer, uint64_t rate,
                                          int64_t time_nanos, int64_t duration_nanos) {
  return build_alloc_profile(records, symbolizer, rate, time_nanos, duration_nanos);
}

AllocatorLibraries find_allocator_libraries(const std::string& maps, const std::string& root) {
  AllocatorLibraries libs;
  std::istringstream in(maps);
  std::string line;
  while (std::getline(in, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (path.ends_with(" (deleted)")) continue;  // replaced on disk: the path is another file
    std::string base = path.substr(path.rfind('/') + 1);
    // glibc (libc.so.6, old libc-2.x.so) or musl (its libc is the loader).
    bool libc = base == "libc.so.6" || base.starts_with("libc-2.") ||
                base.starts_with("ld-musl-") || base.starts_with("libc.musl-");
    if (libs.libc.empty() && libc)
      libs.libc = root + path;
    else if (libs.libstdcxx.empty() && base.starts_with("libstdc++.so"))
      libs.libstdcxx = root + path;
  }
  return libs;
}

}  // namespace ksight::agent
