#include "security_harness.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace ksight::agent::testing {

SecurityHarness::SecurityHarness(SecuritySourceOptions options)
    : source_(options, [this](const SecurityEventRecord& r) { on_event(r); }) {}

SecurityHarness::~SecurityHarness() {
  stop();
}

void SecurityHarness::start() {
  source_.start();
  start_poller();
}

void SecurityHarness::start_poller() {
  stop_ = false;
  poller_ = std::thread([this] {
    while (true) {
      {
        std::lock_guard lock(mutex_);
        if (stop_) return;
      }
      source_.poll(20);
    }
  });
}

void SecurityHarness::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  if (poller_.joinable()) poller_.join();
  source_.stop();
}

bool SecurityHarness::watched(const SecurityEventRecord& r) const {
  return pids_.count(r.pid) || pids_.count(r.ppid);
}

void SecurityHarness::on_event(const SecurityEventRecord& r) {
  std::lock_guard lock(mutex_);
  if (count_pid_ && (r.pid == count_pid_ || r.ppid == count_pid_)) {
    if (++counted_ >= count_goal_) cv_.notify_all();
    return;  // storms are counted, not stored
  }
  if (!watched(r)) return;
  events_.push_back(r);
  cv_.notify_all();
}

pid_t SecurityHarness::spawn(const std::vector<std::string>& args, int* stdout_fd, bool count) {
  int go[2], out[2];
  if (pipe(go) != 0 || pipe(out) != 0) return -1;
  // argv built before fork: the child of a threaded process must not allocate.
  std::string path = SECURITY_TRIGGER;
  std::vector<char*> argv;
  argv.push_back(path.data());
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(go[1]);
    close(out[0]);
    dup2(out[1], 1);
    if (read(go[0], &c, 1) != 1) _exit(126);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  close(go[0]);
  close(out[1]);
  {
    std::lock_guard lock(mutex_);
    if (count) {
      count_pid_ = static_cast<uint32_t>(pid);
      counted_ = 0;
    } else {
      pids_.insert(static_cast<uint32_t>(pid));
    }
  }
  if (write(go[1], "g", 1) != 1) return -1;
  close(go[1]);
  if (stdout_fd) {
    *stdout_fd = out[0];
  } else {
    close(out[0]);
  }
  return pid;
}

int SecurityHarness::finish(pid_t pid) {
  int status = -1;
  waitpid(pid, &status, 0);
  return status;
}

TriggerResult SecurityHarness::run(const std::vector<std::string>& args) {
  TriggerResult result;
  int fd = -1;
  result.pid = spawn(args, &fd);
  char buf[256];
  ssize_t n;
  while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0) result.output.append(buf, n);
  if (fd >= 0) close(fd);
  result.status = finish(result.pid);
  return result;
}

std::optional<SecurityEventRecord> SecurityHarness::wait_for(const Predicate& pred,
                                                             std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::optional<SecurityEventRecord> found;
  cv_.wait_for(lock, timeout, [&] {
    for (const auto& e : events_) {
      if (pred(e)) {
        found = e;
        return true;
      }
    }
    return false;
  });
  return found;
}

std::vector<SecurityEventRecord> SecurityHarness::matching(const Predicate& pred) {
  std::lock_guard lock(mutex_);
  std::vector<SecurityEventRecord> out;
  for (const auto& e : events_) {
    if (pred(e)) out.push_back(e);
  }
  return out;
}

size_t SecurityHarness::wait_count(const Predicate& pred, size_t count,
                                   std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  size_t n = 0;
  cv_.wait_for(lock, timeout, [&] {
    n = 0;
    for (const auto& e : events_) n += pred(e) ? 1 : 0;
    return n >= count;
  });
  return n;
}

uint64_t SecurityHarness::wait_counted(uint64_t goal, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  count_goal_ = goal;
  cv_.wait_for(lock, timeout, [&] { return counted_ >= goal; });
  count_goal_ = UINT64_MAX;
  return counted_;
}

void SecurityHarness::watch(pid_t pid) {
  std::lock_guard lock(mutex_);
  pids_.insert(static_cast<uint32_t>(pid));
}

uint64_t SecurityHarness::counted() const {
  std::lock_guard lock(mutex_);
  return counted_;
}

SecurityStats SecurityHarness::stats() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  if (poller_.joinable()) poller_.join();
  SecurityStats stats = source_.stats();
  start_poller();
  return stats;
}

}  // namespace ksight::agent::testing
