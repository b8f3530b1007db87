#pragma once
// Runs a symbolizer fixture program as a child and collects the addresses it
// prints ("<name> <hex>" lines up to "ready"). The child waits on stdin, so it
// stays alive until stop() or kill().
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ksight::symbolizer::testing {

std::string fixture_path(const std::string& name);
// 1-based line of the "MARK:<mark>" comment in a fixture source file.
uint32_t marked_line(const std::string& source, const std::string& mark);

class FixtureProcess {
 public:
  explicit FixtureProcess(const std::string& program, std::vector<std::string> args = {});
  ~FixtureProcess();
  FixtureProcess(const FixtureProcess&) = delete;
  FixtureProcess& operator=(const FixtureProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool ready() const { return ready_; }
  // The address printed for `name`; 0 when it was not printed.
  uint64_t address(const std::string& name) const;
  // Closes stdin and waits for a clean exit; returns the exit status.
  int stop();
  // SIGKILL and reap.
  void kill();

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  bool ready_ = false;
  std::map<std::string, uint64_t> addresses_;
};

}  // namespace ksight::symbolizer::testing
