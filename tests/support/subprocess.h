#pragma once
// A child process with its stdout and stderr captured through pipes.
// Waiting is on the pipes and on the child's exit (poll with a deadline),
// never on a sleep.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ksight::testing {

class Subprocess {
 public:
  // Starts argv[0] (a path) with the given arguments. Throws std::runtime_error.
  explicit Subprocess(const std::vector<std::string>& argv);
  ~Subprocess();  // kills the child if still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  // Reads until `needle` appears in stdout (or stderr with from_stderr);
  // false on timeout or when the child closed the stream first.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout,
                       bool from_stderr = false);
  void send_signal(int sig);
  // Waits for the exit; returns the exit code, 128+signal when killed, or
  // nullopt on timeout (the child keeps running).
  std::optional<int> wait(std::chrono::milliseconds timeout);

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  bool pump(int timeout_ms);  // reads what is available; false when both pipes closed

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::optional<int> status_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs to completion (kills after `timeout` and reports exit code -1).
RunResult run(const std::vector<std::string>& argv,
              std::chrono::milliseconds timeout = std::chrono::seconds(120));

}  // namespace ksight::testing
