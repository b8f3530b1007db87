#pragma once
// Finds the file that holds an object's DWARF when the object itself has none.
//
// Search order (first match whose build-id agrees with the object's wins):
//   1. .gnu_debuglink, GDB's places: <dir>/<link>, <dir>/.debug/<link>,
//      <debug dir><dir>/<link>; <dir> is the binary's directory seen through
//      the process root, so container images resolve against themselves
//   2. <debug dir>/.build-id/xx/yyyyyyyy.debug for each configured debug dir,
//      then the process root's /usr/lib/debug
//   3. debuginfod, when enabled and DEBUGINFOD_URLS is set (network: last,
//      and only when an address of the object is first symbolized, never
//      while observing a process: see find_debuginfod)
#include <optional>
#include <string>
#include <vector>

#include "symbolizer/elf_object.h"

namespace ksight::symbolizer {

struct DebugSearch {
  std::vector<std::string> debug_dirs;  // host directories, e.g. /usr/lib/debug
  bool debuginfod = true;               // only when DEBUGINFOD_URLS is set
};

struct DebugFile {
  int fd = -1;       // owned by the caller
  std::string path;  // where it was found (for logs)
  bool from_debuginfod = false;
};

// Local search only (steps 1 and 2). `root` is the process root as a host
// path ("/proc/PID/root", or "" for the host); `path` is the binary's path as
// the process sees it.
std::optional<DebugFile> find_debug_file(const ElfObject& object, const std::string& root,
                                         const std::string& path, const DebugSearch& search);

// True when debuginfod could be asked about `object` (built with
// libdebuginfod, DEBUGINFOD_URLS set, object has a build-id).
bool debuginfod_available(const ElfObject& object);
// Step 3: may block on the network (libdebuginfod caches what it fetched
// under $DEBUGINFOD_CACHE_PATH or ~/.cache/debuginfod_client).
std::optional<DebugFile> find_debuginfod(const ElfObject& object);

}  // namespace ksight::symbolizer
