#include "support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ksight::testing {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

Subprocess::Subprocess(const std::vector<std::string>& argv) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + strerror(errno));
  }
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + strerror(errno));
  if (pid_ == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    dprintf(STDERR_FILENO, "exec %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
}

Subprocess::~Subprocess() {
  if (!status_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

bool Subprocess::pump(int timeout_ms) {
  pollfd fds[2];
  int n = 0;
  if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
  if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
  if (n == 0) return false;
  if (poll(fds, n, timeout_ms) <= 0) return true;
  for (int i = 0; i < n; ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
    char buf[65536];
    ssize_t got = read(fds[i].fd, buf, sizeof(buf));
    bool is_out = fds[i].fd == out_fd_;
    if (got > 0) {
      (is_out ? out_ : err_).append(buf, static_cast<size_t>(got));
    } else {
      close(fds[i].fd);
      (is_out ? out_fd_ : err_fd_) = -1;
    }
  }
  return true;
}

bool Subprocess::wait_for_output(const std::string& needle, std::chrono::milliseconds timeout,
                                 bool from_stderr) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    const std::string& text = from_stderr ? err_ : out_;
    if (text.find(needle) != std::string::npos) return true;
    int fd = from_stderr ? err_fd_ : out_fd_;
    if (fd < 0 || Clock::now() >= deadline) return false;
    pump(remaining_ms(deadline));
  }
}

void Subprocess::send_signal(int sig) {
  if (!status_) kill(pid_, sig);
}

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  auto deadline = Clock::now() + timeout;
  // A pidfd becomes readable when the child exits: poll on it with the
  // pipes, draining them so a chatty child cannot block on a full pipe.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  while (true) {
    pollfd fds[3];
    int n = 0;
    if (pidfd >= 0) fds[n++] = {pidfd, POLLIN, 0};
    if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    poll(fds, n, pidfd >= 0 ? remaining_ms(deadline) : std::min(remaining_ms(deadline), 10));
    pump(0);
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      // Drain what is left; a grandchild holding the pipes open gets 2 s.
      auto drain_deadline = Clock::now() + std::chrono::seconds(2);
      while ((out_fd_ >= 0 || err_fd_ >= 0) && Clock::now() < drain_deadline) pump(100);
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (Clock::now() >= deadline) break;
  }
  if (pidfd >= 0) close(pidfd);
  return status_;
}

RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  Subprocess child(argv);
  auto code = child.wait(timeout);
  return {code.value_or(-1), child.out(), child.err()};
}

}  // namespace ksight::testing
