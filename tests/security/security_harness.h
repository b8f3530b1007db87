#pragma once
// Kernel-test harness: a running SecuritySource polled on a thread, the
// events it delivered, and trigger processes whose pids are known before
// they act (the child waits on a pipe until the harness watches its pid).
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/security_source.h"

namespace ksight::agent::testing {

struct TriggerResult {
  pid_t pid = 0;
  int status = -1;     // waitpid status
  std::string output;  // the trigger's stdout
};

class SecurityHarness {
 public:
  explicit SecurityHarness(SecuritySourceOptions options = {});
  ~SecurityHarness();

  void start();  // throws like SecuritySource::start
  void stop();

  // Runs the trigger program with `args`; returns after it exits.
  TriggerResult run(const std::vector<std::string>& args);
  // Starts it and returns at once (pid watched); reap with finish().
  // With `count`, its events (and its children's) are only counted, not kept.
  pid_t spawn(const std::vector<std::string>& args, int* stdout_fd = nullptr, bool count = false);
  int finish(pid_t pid);

  using Predicate = std::function<bool(const SecurityEventRecord&)>;
  // First matching event from a watched process, waiting up to `timeout`.
  std::optional<SecurityEventRecord> wait_for(
      const Predicate& pred, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // All matching events seen so far.
  std::vector<SecurityEventRecord> matching(const Predicate& pred);
  // Waits until `count` events match or the timeout passes; returns the count.
  size_t wait_count(const Predicate& pred, size_t count, std::chrono::milliseconds timeout);

  void watch(pid_t pid);     // also keep events of this pid
  uint64_t counted() const;  // events of the last spawn(..., count = true)
  // Waits until counted() reaches `goal` or the timeout passes.
  uint64_t wait_counted(uint64_t goal, std::chrono::milliseconds timeout);

  SecurityStats stats();  // stops polling briefly to read consistently
  SecuritySource& source() { return source_; }

 private:
  void on_event(const SecurityEventRecord& r);
  void start_poller();
  bool watched(const SecurityEventRecord& r) const;
  SecuritySource source_;
  std::thread poller_;
  bool stop_ = false;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::set<uint32_t> pids_;
  std::vector<SecurityEventRecord> events_;
  uint32_t count_pid_ = 0;
  uint64_t counted_ = 0;
  uint64_t count_goal_ = UINT64_MAX;
};

}  // namespace ksight::agent::testing
