#pragma once
// Webhook output: POSTs each alert's JSON line (Content-Type:
// application/json) to a URL from a worker thread, so a slow or dead
// receiver never stalls the event path. The queue is bounded: when full, the
// new alert is dropped and counted. A failed POST (connection error or a
// non-2xx status) is retried with exponential backoff (initial, doubled up to
// max) up to max_attempts, then dropped and counted.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "rules/outputs.h"

namespace ksight::rules {

struct HttpSinkOptions {
  std::string url;  // http://host[:port][/path] or https://...
  size_t queue_capacity = 1024;
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{10'000};
  std::chrono::milliseconds timeout{5'000};
};

class HttpSink : public AlertSink {
 public:
  explicit HttpSink(HttpSinkOptions options);  // throws ksight::Error on a bad URL
  ~HttpSink() override;

  void emit(const Alert& alert, const std::string& json_line) override;
  void flush() override;
  uint64_t drops() const override;
  std::string name() const override { return "http:" + options_.url; }

  uint64_t delivered() const;
  uint64_t retries() const;

 private:
  void run();
  bool post(const std::string& body);

  HttpSinkOptions options_;
  std::string base_;  // scheme://host:port
  std::string path_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  bool busy_ = false;              // a POST is in flight
  bool stop_ = false;
  uint64_t drops_ = 0, delivered_ = 0, retries_ = 0;
  std::thread worker_;
};

}  // namespace ksight::rules
