#pragma once
// The `ksight profile` run: validation, sampling loop, symbolization, output.
#include <cstdint>
#include <string>
#include <vector>

namespace ksight::cli {

struct ProfileRequest {
  std::vector<uint32_t> pids;
  bool all = false;
  std::string duration = "10s";
  int frequency_hz = 99;
  bool no_kernel = false;
  bool no_user = false;
  std::string output;  // empty: folded on stdout
  std::string format;  // empty: from the extension
  std::string event = "auto";
  bool include_idle = false;
  bool show_lines = false;
  std::string title;
  std::string unwind = "auto";   // auto, fp or dwarf (src/unwind/stack_resolver.h)
  uint32_t stack_bytes = 16384;  // user stack copied per sample for DWARF unwinding
};

// Returns the process exit code; throws ksight::Error for user-facing errors.
int run_profile(const ProfileRequest& request);

}  // namespace ksight::cli
