#include "common/signals.h"

#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace ksight {

SignalFd::SignalFd(std::initializer_list<int> signals) {
  sigemptyset(&mask_);
  for (int sig : signals) sigaddset(&mask_, sig);
  pthread_sigmask(SIG_BLOCK, &mask_, &old_mask_);
  fd_ = signalfd(-1, &mask_, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd_ < 0) throw Error(std::string("signalfd: ") + strerror(errno));
}

SignalFd::~SignalFd() {
  if (fd_ >= 0) close(fd_);
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

std::optional<int> SignalFd::read_signal() {
  signalfd_siginfo info{};
  if (read(fd_, &info, sizeof(info)) != sizeof(info)) return std::nullopt;
  return static_cast<int>(info.ssi_signo);
}

std::optional<int> SignalFd::wait(int timeout_ms) {
  pollfd pfd{fd_, POLLIN, 0};
  int n = poll(&pfd, 1, timeout_ms);
  if (n <= 0) return std::nullopt;
  return read_signal();
}

}  // namespace ksight
