// A process in a "container": its own mount namespace whose root is a
// pivot_root'ed directory (as runc does), and its own pid namespace, with its
// binary at a path the host does not have. Needs root; skipped otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "fixture_process.h"
#include "symbolizer/elf_symbolizer.h"

namespace ksight::symbolizer {
namespace {

namespace fs = std::filesystem;

// Shared libraries `binary` loads, as absolute host paths (from ldd).
std::vector<std::string> shared_libraries(const std::string& binary) {
  std::vector<std::string> out;
  FILE* pipe = popen(("ldd '" + binary + "'").c_str(), "r");
  char buffer[1024];
  std::regex path_re(R"((/[^ ]+) \(0x)");
  while (pipe && fgets(buffer, sizeof buffer, pipe)) {
    std::cmatch m;
    if (std::regex_search(buffer, m, path_re)) out.push_back(m[1]);
  }
  if (pipe) pclose(pipe);
  return out;
}

class RootFs {
 public:
  RootFs() {
    char tmpl[] = "/tmp/ksight-rootfs-XXXXXX";
    path_ = mkdtemp(tmpl);
    fs::create_directories(path_ + "/app");
    fs::create_directories(path_ + "/tmp");
  }
  ~RootFs() { fs::remove_all(path_); }
  void add(const std::string& host_path, const std::string& inside) {
    fs::create_directories(fs::path(path_ + inside).parent_path());
    fs::copy_file(host_path, path_ + inside);  // follows symlinks
    fs::permissions(path_ + inside, fs::perms::owner_all);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

uint32_t only_child(uint32_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  uint32_t child = 0;
  in >> child;
  return child;
}

class Container : public ::testing::TestWithParam<bool> {};

// Param: use /proc/PID/map_files (true) or only /proc/PID/root (false).
TEST_P(Container, OwnRootAndPidNamespace) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for chroot and a pid namespace";
  if (access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "no unshare(1)";
  // Root inside a restricted container may still be refused namespaces.
  if (std::system("/usr/bin/unshare --mount --pid --fork true >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "mount/pid namespaces refused here";
  }
  const std::string binary = testing::fixture_path("fixture_pie");
  RootFs root;
  root.add(binary, "/app/fixture");
  for (const auto& lib : shared_libraries(binary)) root.add(lib, lib);

  // pivot_root . . makes the bind mount the root; the old root stays stacked
  // under it, unreachable by path, and goes with the namespace.
  const std::string script =
      "mount --bind \"$0\" \"$0\" && cd \"$0\" && pivot_root . . && "
      "exec /app/fixture --perf-map";
  testing::FixtureProcess p("/usr/bin/unshare", {"--mount", "--pid", "--kill-child", "/bin/sh",
                                                 "-c", script, root.path()});
  ASSERT_TRUE(p.ready()) << "fixture did not start in the rootfs";
  uint32_t pid = only_child(p.pid());
  ASSERT_NE(pid, 0u);
  ASSERT_FALSE(fs::exists("/app/fixture"));  // only the container has this path

  SymbolizerOptions options;
  options.debug_dirs = {};
  options.debuginfod = false;
  options.use_map_files = GetParam();
  auto s = make_symbolizer(options);
  uint64_t a[] = {p.address("c_function") - 1, p.address("inlined") - 1, p.address("jit_alpha")};
  auto r = s->symbolize_user(pid, a);
  ASSERT_TRUE(r[0].object);
  EXPECT_EQ(r[0].object->path, "/app/fixture");
  EXPECT_EQ(r[0].frames.at(0).function, "fixture_c_function");
  EXPECT_EQ(r[0].frames[0].line, testing::marked_line("fixture_main.cpp", "c_function"));
  ASSERT_EQ(r[1].frames.size(), 2u);
  EXPECT_EQ(r[1].frames[1].function, "fixture_outer");
  // The runtime wrote /tmp/perf-1.map inside its root: pid 1 in its namespace.
  EXPECT_EQ(r[2].frames.at(0).function, "jit_alpha");
  EXPECT_EQ(s->stats().unknown, 0u);
}

INSTANTIATE_TEST_SUITE_P(OpenPath, Container, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "map_files" : "root"; });

}  // namespace
}  // namespace ksight::symbolizer
