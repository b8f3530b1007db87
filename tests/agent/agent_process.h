#pragma once
// Runs the real `ksight agent` as a child process for kernel and peer tests,
// and reads its /metrics.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "support/ports.h"

namespace ksight::agent::testing {

using ksight::testing::free_port;

// One parsed /metrics scrape.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};
std::vector<Sample> parse_exposition(const std::string& text);

class AgentProcess {
 public:
  // Starts `ksight agent --listen 127.0.0.1:<port> <extra args>`.
  explicit AgentProcess(std::vector<std::string> extra_args = {});
  ~AgentProcess();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Polls /readyz until 200 or the deadline; false on timeout or exit.
  bool wait_ready(std::chrono::seconds timeout = std::chrono::seconds(30));
  std::string get(const std::string& path, int* status = nullptr);
  std::vector<Sample> scrape();
  // Sum of every series of `name` whose labels include `match`.
  double value(const std::string& name, const std::map<std::string, std::string>& match = {});
  // Polls until pred(value(name, match)) or the deadline; returns the last value.
  double wait_for(const std::string& name, const std::map<std::string, std::string>& match,
                  const std::function<bool(double)>& pred,
                  std::chrono::seconds timeout = std::chrono::seconds(20));
  // Sends `sig` and waits for exit; returns the exit status (or -1) and the time taken.
  int stop(int sig, std::chrono::milliseconds* took = nullptr);
  int signal(int sig);
  std::string log() const;  // the agent's stderr so far

 private:
  int port_ = 0;
  pid_t pid_ = -1;
  std::string log_path_;
};

}  // namespace ksight::agent::testing
