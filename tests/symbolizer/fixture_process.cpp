#include "fixture_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace ksight::symbolizer::testing {

std::string fixture_path(const std::string& name) {
  return std::string(KSIGHT_SYMBOLIZER_FIXTURES) + "/" + name;
}

uint32_t marked_line(const std::string& source, const std::string& mark) {
  std::ifstream in(std::string(KSIGHT_SYMBOLIZER_FIXTURE_SOURCES) + "/" + source);
  std::string line;
  for (uint32_t number = 1; std::getline(in, line); ++number) {
    if (line.find("MARK:" + mark) != std::string::npos) return number;
  }
  throw std::runtime_error("no MARK:" + mark + " in " + source);
}

FixtureProcess::FixtureProcess(const std::string& program, std::vector<std::string> args) {
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  std::vector<char*> argv = {const_cast<char*>(program.c_str())};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  stdin_fd_ = in_pipe[1];
  if (rc != 0) {
    pid_ = -1;
    close(out_pipe[0]);
    return;
  }
  FILE* out = fdopen(out_pipe[0], "r");
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, out)) {
    std::istringstream line(buffer);
    std::string name, hex;
    line >> name >> hex;
    if (name == "ready") {
      ready_ = true;
      break;
    }
    addresses_[name] = std::stoull(hex, nullptr, 16);
  }
  std::fclose(out);
}

FixtureProcess::~FixtureProcess() {
  kill();
}

uint64_t FixtureProcess::address(const std::string& name) const {
  auto it = addresses_.find(name);
  return it == addresses_.end() ? 0 : it->second;
}

int FixtureProcess::stop() {
  if (pid_ < 0) return -1;
  close(stdin_fd_);
  stdin_fd_ = -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

void FixtureProcess::kill() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  stdin_fd_ = -1;
  if (pid_ < 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace ksight::symbolizer::testing
