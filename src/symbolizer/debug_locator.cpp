#include "symbolizer/debug_locator.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>

#include <spdlog/spdlog.h>

#ifdef KSIGHT_HAVE_DEBUGINFOD
#include <elfutils/debuginfod.h>
#endif

namespace ksight::symbolizer {
namespace {

std::string directory_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Opens `candidate` and keeps it when it has DWARF for `object`.
std::optional<DebugFile> try_candidate(const ElfObject& object, const std::string& candidate) {
  int fd = ::open(candidate.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string error;
  auto debug = ElfObject::read_fd(fd, &error);
  bool matches = debug && debug->has_dwarf() &&
                 (object.build_id().empty() || debug->build_id().empty() ||
                  debug->build_id() == object.build_id());
  if (!matches) {
    ::close(fd);
    return std::nullopt;
  }
  return DebugFile{fd, candidate, false};
}

std::optional<DebugFile> by_debuglink(const ElfObject& object, const std::string& root,
                                      const std::string& path, const DebugSearch& search) {
  if (object.debuglink().empty() || object.debuglink().find('/') != std::string::npos) {
    return std::nullopt;
  }
  const std::string dir = directory_of(path);
  const std::string& link = object.debuglink();
  std::vector<std::string> candidates = {root + dir + "/" + link, root + dir + "/.debug/" + link};
  for (const auto& debug_dir : search.debug_dirs)
    candidates.push_back(debug_dir + dir + "/" + link);
  candidates.push_back(root + "/usr/lib/debug" + dir + "/" + link);
  for (const auto& candidate : candidates) {
    if (auto found = try_candidate(object, candidate)) return found;
  }
  return std::nullopt;
}

std::optional<DebugFile> by_build_id(const ElfObject& object, const std::string& root,
                                     const DebugSearch& search) {
  const std::string& id = object.build_id();
  if (id.size() < 4) return std::nullopt;
  const std::string tail = "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
  std::vector<std::string> dirs = search.debug_dirs;
  dirs.push_back(root + "/usr/lib/debug");
  for (const auto& dir : dirs) {
    if (auto found = try_candidate(object, dir + tail)) return found;
  }
  return std::nullopt;
}

}  // namespace

#ifdef KSIGHT_HAVE_DEBUGINFOD
bool debuginfod_available(const ElfObject& object) {
  const char* urls = std::getenv("DEBUGINFOD_URLS");
  return urls && *urls && !object.build_id().empty();
}

std::optional<DebugFile> find_debuginfod(const ElfObject& object) {
  if (!debuginfod_available(object)) return std::nullopt;
  static std::mutex mutex;
  static debuginfod_client* client = debuginfod_begin();
  std::lock_guard lock(mutex);
  if (!client) return std::nullopt;
  char* path = nullptr;
  const auto* id = reinterpret_cast<const unsigned char*>(object.build_id().c_str());
  int fd = debuginfod_find_debuginfo(client, id, 0, &path);
  if (fd < 0) return std::nullopt;
  DebugFile file{fd, path ? path : "debuginfod", true};
  std::free(path);
  return file;
}
#else
bool debuginfod_available(const ElfObject&) {
  return false;
}
std::optional<DebugFile> find_debuginfod(const ElfObject&) {
  return std::nullopt;
}
#endif

std::optional<DebugFile> find_debug_file(const ElfObject& object, const std::string& root,
                                         const std::string& path, const DebugSearch& search) {
  if (auto found = by_debuglink(object, root, path, search)) return found;
  return by_build_id(object, root, search);
}

}  // namespace ksight::symbolizer
