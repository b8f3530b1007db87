#include "agent/proc_reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <sstream>

namespace ksight::agent {

std::vector<uint32_t> LinuxProcReader::list_pids() {
  std::vector<uint32_t> pids;
  DIR* dir = opendir(root_.c_str());
  if (!dir) return pids;
  while (dirent* entry = readdir(dir)) {
    if (!std::isdigit(static_cast<unsigned char>(entry->d_name[0]))) continue;
    pids.push_back(static_cast<uint32_t>(std::strtoul(entry->d_name, nullptr, 10)));
  }
  closedir(dir);
  return pids;
}

std::optional<std::string> LinuxProcReader::read(uint32_t pid, const std::string& file) {
  std::string path = root_ + "/" + std::to_string(pid) + "/" + file;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0 && out.size() < (1 << 20)) out.append(buf, n);
  close(fd);
  if (n < 0) return std::nullopt;
  return out;
}

std::optional<std::string> LinuxProcReader::exe(uint32_t pid) {
  std::string path = root_ + "/" + std::to_string(pid) + "/exe";
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf) - 1);
  if (n < 0) return std::nullopt;
  return std::string(buf, n);
}

std::optional<ProcStat> parse_stat(const std::string& stat) {
  auto open = stat.find('(');
  auto close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  ProcStat s;
  s.comm = stat.substr(open + 1, close - open - 1);
  std::istringstream in(stat.substr(close + 1));
  std::string field;
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  while (fields.size() < 20 && in >> field) fields.push_back(field);
  if (fields.size() < 20) return std::nullopt;
  char* end = nullptr;
  s.ppid = static_cast<uint32_t>(std::strtoul(fields[1].c_str(), &end, 10));
  s.start_ticks = std::strtoull(fields[19].c_str(), &end, 10);
  return s;
}

std::optional<ProcIds> parse_status_ids(const std::string& status) {
  ProcIds ids;
  int found = 0;
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Uid:", 0) == 0) {
      ids.uid = static_cast<uint32_t>(std::strtoul(line.c_str() + 4, nullptr, 10));
      ++found;
    } else if (line.rfind("Gid:", 0) == 0) {
      ids.gid = static_cast<uint32_t>(std::strtoul(line.c_str() + 4, nullptr, 10));
      ++found;
    }
  }
  if (found < 2) return std::nullopt;
  return ids;
}

std::string parse_cmdline(const std::string& cmdline) {
  std::string out = cmdline;
  while (!out.empty() && out.back() == '\0') out.pop_back();
  for (char& c : out) {
    if (c == '\0') c = ' ';
  }
  return out;
}

uint64_t boottime_ns_to_ticks(uint64_t ns) {
  static const uint64_t ticks = static_cast<uint64_t>(sysconf(_SC_CLK_TCK));
  return ns / (1000000000ull / (ticks ? ticks : 100));
}

}  // namespace ksight::agent
