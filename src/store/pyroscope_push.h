#pragma once
// Pushes profile windows to a Pyroscope server through its HTTP ingest API:
//   POST <url>/ingest?name=<app>.<type>{k=v,...}&from=<s>&until=<s>
//        &format=pprof&spyName=ksight&sampleRate=<hz>
// with the pprof (.pb.gz) as the multipart field "profile", as the Pyroscope
// Go client sends it. A bounded queue decouples the agent from the network:
// when it is full the window is dropped and counted; a failed push is
// retried with exponential backoff, then dropped and counted. 4xx answers
// other than 429 are not retried (the request itself is wrong).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "profile/profile.h"
#include "store/labels.h"

namespace ksight::store {

struct PushOptions {
  std::string url;                         // e.g. "http://pyroscope:4040"
  std::string app_name = "ksight";         // name prefix; the profile type follows it
  size_t queue_capacity = 256;             // windows waiting to be sent
  int max_attempts = 4;                    // per window, first try included
  std::chrono::milliseconds backoff{500};  // doubled after each failure
  std::chrono::seconds timeout{10};
  int sample_rate_hz = 19;
  std::map<std::string, std::string> headers;  // e.g. X-Scope-OrgID, Authorization
};

struct PushStats {
  uint64_t sent = 0;
  uint64_t retries = 0;
  uint64_t dropped_queue_full = 0;
  uint64_t dropped_failed = 0;  // gave up after max_attempts or a non-retryable answer
  size_t queued = 0;
};

// "<app>.<type>{comm=app,pid=1}": the type label becomes the name suffix,
// and characters the name grammar reserves (",{}=") become '_'.
std::string pyroscope_name(const std::string& app, const Labels& labels);

class PyroscopePusher {
 public:
  explicit PyroscopePusher(PushOptions options);
  ~PyroscopePusher();  // stop()
  PyroscopePusher(const PyroscopePusher&) = delete;
  PyroscopePusher& operator=(const PyroscopePusher&) = delete;

  // False (and counted) when the queue is full. Never blocks on the network.
  bool enqueue(const Labels& labels, std::shared_ptr<const profile::Profile> profile,
               int64_t start_ns, int64_t end_ns);
  void start();
  // Stops the sender; windows still queued are dropped (not counted as failures).
  void stop();
  PushStats stats() const;

 private:
  struct Item {
    Labels labels;
    std::shared_ptr<const profile::Profile> profile;
    int64_t start_ns = 0;
    int64_t end_ns = 0;
  };
  void run();
  bool send(const Item& item);
  // 0 sent, 1 retryable failure, 2 give up.
  int attempt(const Item& item, const std::string& body);

  PushOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
  PushStats stats_;
};

}  // namespace ksight::store
