#include "symbolizer/process_snapshot.h"

#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "symbolizer/kallsyms.h"

namespace ksight::symbolizer {
namespace {

// Closes on scope exit unless released.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

using FileId = std::tuple<uint32_t, uint32_t, uint64_t, std::string>;

// A perf map is read whole; one this large is a runaway writer, not symbols
// worth the memory.
constexpr off_t kMaxPerfMapBytes = off_t{256} << 20;

FileId file_id(const MapsEntry& e) {
  return {e.dev_major, e.dev_minor, e.inode, e.path};
}

}  // namespace

const SnapshotMapping* ProcessSnapshot::find(uint64_t address) const {
  auto it =
      std::upper_bound(mappings.begin(), mappings.end(), address,
                       [](uint64_t a, const SnapshotMapping& m) { return a < m.entry.start; });
  if (it == mappings.begin()) return nullptr;
  --it;
  return address < it->entry.limit ? &*it : nullptr;
}

size_t ProcessSnapshot::approximate_bytes() const {
  size_t bytes = sizeof(*this) + mappings.capacity() * sizeof(SnapshotMapping);
  for (const auto& m : mappings) bytes += m.entry.path.capacity();
  return bytes + (perf_map ? perf_map->approximate_bytes() : 0);
}

SnapshotReader::SnapshotReader(SnapshotOptions options, ObjectCache& cache, SymbolizerStats& stats)
    : options_(std::move(options)), cache_(cache), stats_(stats) {}

std::string SnapshotReader::pid_dir(uint32_t pid) const {
  return fmt::format("{}/{}", options_.proc_root, pid);
}

ProcessSnapshot SnapshotReader::capture(uint32_t pid) {
  ProcessSnapshot snapshot;
  snapshot.pid = pid;
  bool ok = false;
  snapshot.mappings = read_mappings(pid, &ok);
  snapshot.gone = !ok;
  if (!ok) return snapshot;
  snapshot.maps_read_at = ProcessSnapshot::Clock::now();
  snapshot.ns_pid = read_ns_pid(pid);
  snapshot.start_time = read_start_time(pid);
  snapshot.exe_identity = exe_identity(pid);
  snapshot.identity_checked_at = snapshot.maps_read_at;
  refresh_perf_map(snapshot);
  return snapshot;
}

bool SnapshotReader::refresh_maps(ProcessSnapshot& snapshot) {
  bool ok = false;
  auto mappings = read_mappings(snapshot.pid, &ok);
  snapshot.maps_read_at = ProcessSnapshot::Clock::now();
  if (!ok) return false;
  snapshot.mappings = std::move(mappings);
  ++stats_.maps_refreshes;
  return true;
}

bool SnapshotReader::refresh_perf_map(ProcessSnapshot& snapshot) {
  snapshot.perf_map_read_at = ProcessSnapshot::Clock::now();
  // The runtime names the file with the pid it sees, inside its own root.
  std::string path = fmt::format("{}/root/tmp/perf-{}.map", pid_dir(snapshot.pid), snapshot.ns_pid);
  // Perf maps only grow; a large one is parsed again only when it changed.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  if (st.st_size > kMaxPerfMapBytes) {
    spdlog::debug("symbolizer: {} is {} bytes, over the limit; ignored", path, st.st_size);
    return false;
  }
  if (snapshot.perf_map && st.st_size == snapshot.perf_map_size &&
      st.st_mtim.tv_sec == snapshot.perf_map_mtime) {
    return false;
  }
  auto text = read_text_file(path);
  if (!text) return false;
  snapshot.perf_map_size = st.st_size;
  snapshot.perf_map_mtime = st.st_mtim.tv_sec;
  auto map = std::make_shared<PerfMap>(PerfMap::parse(*text));
  size_t before = snapshot.perf_map ? snapshot.perf_map->size() : 0;
  stats_.perf_map_symbols += map->size() > before ? map->size() - before : 0;
  snapshot.perf_map = std::move(map);
  return true;
}

uint64_t SnapshotReader::read_start_time(uint32_t pid) {
  // Field 22 of /proc/PID/stat; the command name (field 2) may hold spaces
  // and parentheses, so count fields after the last ')'.
  auto stat = read_text_file(pid_dir(pid) + "/stat");
  if (!stat) return 0;
  size_t at = stat->rfind(')');
  if (at == std::string::npos) return 0;
  std::istringstream fields(stat->substr(at + 1));
  std::string field;
  for (int i = 3; i <= 22 && (fields >> field); ++i) {
    if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return 0;
}

std::string SnapshotReader::exe_identity(uint32_t pid) {
  struct stat st {};
  if (::stat((pid_dir(pid) + "/exe").c_str(), &st) != 0) return {};
  return fmt::format("{:x}:{}", st.st_dev, st.st_ino);
}

bool SnapshotReader::same_process(const ProcessSnapshot& snapshot) {
  // Another process behind the pid changes the start time; an execve keeps
  // pid and start time but changes the executable.
  uint64_t now = read_start_time(snapshot.pid);
  if (now == 0) return true;  // gone: keep what we have
  return now == snapshot.start_time && exe_identity(snapshot.pid) == snapshot.exe_identity;
}

uint32_t SnapshotReader::read_ns_pid(uint32_t pid) {
  auto status = read_text_file(pid_dir(pid) + "/status");
  if (!status) return pid;
  size_t at = status->find("\nNSpid:");
  if (at == std::string::npos) return pid;
  size_t eol = status->find('\n', at + 1);
  std::string line = status->substr(at + 7, eol == std::string::npos ? eol : eol - at - 7);
  size_t last = line.find_last_of(" \t");
  try {
    return static_cast<uint32_t>(
        std::stoul(last == std::string::npos ? line : line.substr(last + 1)));
  } catch (const std::exception&) {
    return pid;
  }
}

std::vector<SnapshotMapping> SnapshotReader::read_mappings(uint32_t pid, bool* ok) {
  auto text = read_text_file(pid_dir(pid) + "/maps");
  *ok = text.has_value() && !text->empty();
  if (!*ok) return {};
  std::vector<MapsEntry> entries = parse_maps(*text);
  // Load each file once, and only when some mapping of it is executable:
  // data files (locale archives, fonts) never hold an instruction pointer.
  std::map<FileId, std::shared_ptr<LoadedObject>> objects;
  for (const auto& e : entries) {
    if (e.kind == MappingKind::kFile && e.executable && !objects.count(file_id(e))) {
      objects[file_id(e)] = open_object(pid, e);
    }
  }
  std::vector<SnapshotMapping> mappings;
  mappings.reserve(entries.size());
  for (auto& e : entries) {
    std::shared_ptr<LoadedObject> object;
    if (e.kind == MappingKind::kFile) {
      auto it = objects.find(file_id(e));
      if (it != objects.end()) object = it->second;
    } else if (e.kind == MappingKind::kVdso) {
      object = vdso();
    }
    mappings.push_back({std::move(e), std::move(object)});
  }
  std::sort(mappings.begin(), mappings.end(),
            [](const auto& a, const auto& b) { return a.entry.start < b.entry.start; });
  return mappings;
}

std::shared_ptr<LoadedObject> SnapshotReader::open_object(uint32_t pid, const MapsEntry& entry) {
  std::string via_map_files =
      fmt::format("{}/map_files/{:x}-{:x}", pid_dir(pid), entry.start, entry.limit);
  int fd = options_.use_map_files ? ::open(via_map_files.c_str(), O_RDONLY | O_CLOEXEC) : -1;
  // map_files needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE); the root path
  // works for our own processes and still sees the container's filesystem.
  if (fd < 0) fd = ::open((pid_dir(pid) + "/root" + entry.path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    ++stats_.elf_errors;
    spdlog::debug("symbolizer: pid {}: cannot open {}", pid, entry.path);
    return nullptr;
  }
  FdGuard guard(fd);
  std::string identity = file_identity_key(fd);
  if (auto hit = cache_.find_identity(identity)) {
    ++stats_.elf_cache_hits;
    return hit;
  }
  return load_new(fd, pid, entry, identity);
}

std::shared_ptr<LoadedObject> SnapshotReader::load_new(int fd, uint32_t pid, const MapsEntry& entry,
                                                       const std::string& identity) {
  std::string error;
  auto elf = ElfObject::read_fd(fd, &error);
  if (!elf) {
    ++stats_.elf_errors;
    spdlog::debug("symbolizer: pid {}: {}: {}", pid, entry.path, error);
    return nullptr;
  }
  struct stat st {};
  ::fstat(fd, &st);
  std::string key = elf->build_id().empty() ? identity : build_id_key(elf->build_id(), st.st_size);
  if (auto hit = cache_.find(key)) {
    ++stats_.elf_cache_hits;
    cache_.insert(key, identity, hit);
    return hit;
  }
  ++stats_.elf_cache_misses;
  int debug_fd = -1;
  // Without lines, DWARF is only worth its memory when it is the one source
  // of function names (no .symtab).
  bool want_dwarf = options_.lines || !elf->has_symtab();
  if (!want_dwarf) {
    // Named from .symtab alone: no debug file search, no debuginfod.
  } else if (elf->has_dwarf()) {
    debug_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  } else if (auto found =
                 find_debug_file(*elf, pid_dir(pid) + "/root", entry.path, options_.debug)) {
    debug_fd = found->fd;
    spdlog::debug("symbolizer: {}: debug info from {}", entry.path, found->path);
  }
  stats_.debug_files_found += debug_fd >= 0 ? 1 : 0;
  bool ask_debuginfod =
      want_dwarf && debug_fd < 0 && options_.debug.debuginfod && debuginfod_available(*elf);
  auto object =
      std::make_shared<LoadedObject>(std::move(elf), debug_fd, options_.memo_per_object, &stats_);
  if (ask_debuginfod) object->defer_to_debuginfod();
  cache_.insert(key, identity, object);
  return object;
}

std::shared_ptr<LoadedObject> SnapshotReader::vdso() {
  if (vdso_tried_) return vdso_;
  vdso_tried_ = true;
  // Every process maps the same vDSO image of the running kernel: read ours.
  auto base = getauxval(AT_SYSINFO_EHDR);
  auto self = read_text_file("/proc/self/maps");
  if (!base || !self) return nullptr;
  for (const auto& e : parse_maps(*self)) {
    if (e.kind != MappingKind::kVdso || e.start != base) continue;
    std::string error;
    auto elf =
        ElfObject::read_memory(reinterpret_cast<const void*>(base), e.limit - e.start, &error);
    if (elf) vdso_ = std::make_shared<LoadedObject>(std::move(elf), -1, options_.memo_per_object);
  }
  return vdso_;
}

}  // namespace ksight::symbolizer
