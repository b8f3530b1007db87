#pragma once
// Turns SIGINT/SIGTERM/SIGHUP into a file descriptor (signalfd) so the main
// loops can wait on "a signal arrived" next to ring buffers and sockets in one
// epoll set, instead of racing a flag against a sleep.
#include <csignal>
#include <initializer_list>
#include <optional>

namespace ksight {

class SignalFd {
 public:
  // Blocks `signals` for the whole process (call before starting threads so
  // they inherit the mask) and opens a non-blocking signalfd for them.
  explicit SignalFd(std::initializer_list<int> signals);
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const { return fd_; }
  // The next pending signal, if any (never blocks).
  std::optional<int> read_signal();
  // Waits up to timeout_ms (-1: forever) for a signal.
  std::optional<int> wait(int timeout_ms);

 private:
  int fd_ = -1;
  sigset_t mask_{};
  sigset_t old_mask_{};
};

}  // namespace ksight
