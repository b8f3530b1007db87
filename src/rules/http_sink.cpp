#include "rules/http_sink.h"

#include <httplib.h>

#include "common/error.h"

namespace ksight::rules {

HttpSink::HttpSink(HttpSinkOptions options) : options_(std::move(options)) {
  const std::string& url = options_.url;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos ||
      (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    throw Error("bad webhook URL '" + url + "' (expected http://host[:port]/path)");
  }
  size_t path_start = url.find('/', scheme_end + 3);
  base_ = url.substr(0, path_start);
  path_ = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (base_.size() <= scheme_end + 3) throw Error("bad webhook URL '" + url + "': no host");
  worker_ = std::thread([this] { run(); });
}

HttpSink::~HttpSink() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void HttpSink::emit(const Alert&, const std::string& json_line) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.queue_capacity) {
      ++drops_;
      return;
    }
    queue_.push_back(json_line);
  }
  cv_.notify_all();
}

void HttpSink::flush() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return (queue_.empty() && !busy_) || stop_; });
}

uint64_t HttpSink::drops() const {
  std::lock_guard lock(mu_);
  return drops_;
}
uint64_t HttpSink::delivered() const {
  std::lock_guard lock(mu_);
  return delivered_;
}
uint64_t HttpSink::retries() const {
  std::lock_guard lock(mu_);
  return retries_;
}

bool HttpSink::post(const std::string& body) {
  httplib::Client client(base_);
  client.set_connection_timeout(options_.timeout);
  client.set_read_timeout(options_.timeout);
  client.set_write_timeout(options_.timeout);
  auto res = client.Post(path_, body, "application/json");
  return res && res->status >= 200 && res->status < 300;
}

void HttpSink::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    std::string body = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    auto backoff = options_.initial_backoff;
    bool ok = false;
    for (int attempt = 1; attempt <= options_.max_attempts && !stop_; ++attempt) {
      lock.unlock();
      ok = post(body);
      lock.lock();
      if (ok || attempt == options_.max_attempts) break;
      ++retries_;
      // Wait out the backoff, but wake at once on shutdown.
      cv_.wait_for(lock, backoff, [&] { return stop_; });
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    ++(ok ? delivered_ : drops_);
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace ksight::rules
