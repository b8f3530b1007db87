#pragma once
// Errors that reach the user. Everything the CLI reports as "ksight: <msg>"
// travels as one of these; anything else escaping main is a bug.
#include <stdexcept>
#include <string>

namespace ksight {

// Exit codes shared by every subcommand.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,       // bad input, I/O failure
  kExitNoCapability = 2,  // missing capability or the kernel refused BPF
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitFailure)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// The kernel or our privileges do not allow what was asked (exit code 2).
class CapabilityError : public Error {
 public:
  explicit CapabilityError(const std::string& message) : Error(message, kExitNoCapability) {}
};

}  // namespace ksight
