#include "export/profile_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string_view>

#include "common/error.h"
#include "export/folded_writer.h"
#include "export/pprof_writer.h"
#include "export/svg_writer.h"

namespace ksight::exporter {
namespace {

struct FormatName {
  std::string_view name;
  ProfileFormat format;
};

// Canonical names first: format_name() returns the first match.
constexpr FormatName kNames[] = {
    {"pprof", ProfileFormat::kPprof},    {"folded", ProfileFormat::kFolded},
    {"svg", ProfileFormat::kSvg},        {"pb", ProfileFormat::kPprof},
    {"proto", ProfileFormat::kPprof},    {"collapsed", ProfileFormat::kFolded},
    {"flamegraph", ProfileFormat::kSvg}, {"flame", ProfileFormat::kSvg},
};

constexpr FormatName kExtensions[] = {
    {".pb.gz", ProfileFormat::kPprof},   {".pprof.gz", ProfileFormat::kPprof},
    {".pprof", ProfileFormat::kPprof},   {".pb", ProfileFormat::kPprof},
    {".folded", ProfileFormat::kFolded}, {".collapsed", ProfileFormat::kFolded},
    {".txt", ProfileFormat::kFolded},    {".svg", ProfileFormat::kSvg},
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
}

}  // namespace

std::optional<ProfileFormat> format_from_extension(const std::string& path) {
  std::string p = lower(path);
  for (const auto& [ext, format] : kExtensions) {
    if (p.size() > ext.size() && p.compare(p.size() - ext.size(), ext.size(), ext) == 0) {
      return format;
    }
  }
  return std::nullopt;
}

std::optional<ProfileFormat> parse_format(const std::string& name) {
  std::string n = lower(name);
  for (const auto& [candidate, format] : kNames) {
    if (n == candidate) return format;
  }
  return std::nullopt;
}

const char* format_name(ProfileFormat format) {
  for (const auto& [name, f] : kNames) {
    if (f == format) return name.data();
  }
  return "unknown";
}

std::unique_ptr<ProfileWriter> make_writer(ProfileFormat format) {
  switch (format) {
    case ProfileFormat::kPprof:
      return make_pprof_writer();
    case ProfileFormat::kFolded:
      return make_folded_writer();
    case ProfileFormat::kSvg:
      return make_svg_writer();
  }
  throw Error("unknown profile format");
}

void write_profile(const profile::Profile& profile, ProfileFormat format, std::ostream& out,
                   const WriteOptions& options) {
  make_writer(format)->write(profile, out, options);
}

std::string write_profile_to_string(const profile::Profile& profile, ProfileFormat format,
                                    const WriteOptions& options) {
  std::ostringstream out;
  write_profile(profile, format, out, options);
  return std::move(out).str();
}

void check_output_path(const std::string& path) {
  if (path.empty()) throw Error("empty output path");
  if (path == "-") return;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw Error(fmt::format("cannot write {}: is a directory", path));
  }
  std::string dir = parent_dir(path);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw Error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  }
}

void write_profile_file(const profile::Profile& profile, ProfileFormat format,
                        const std::string& path, const WriteOptions& options) {
  std::string data = write_profile_to_string(profile, format, options);
  if (path == "-") {
    std::cout.write(data.data(), static_cast<std::streamsize>(data.size())).flush();
    return;
  }
  check_output_path(path);
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw Error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  try {
    ::fchmod(fd, 0644);
    write_all(fd, data, path);
    if (::close(fd) != 0) {
      fd = -1;
      throw Error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
    fd = -1;
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      throw Error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace ksight::exporter
