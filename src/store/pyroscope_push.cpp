#include "store/pyroscope_push.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "export/pprof_writer.h"

namespace ksight::store {

namespace {

std::string sanitize(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (c == ',' || c == '{' || c == '}' || c == '=' || c == '"' || c == ' ') c = '_';
  }
  return out;
}

// Splits "http://host:port/prefix" into the client base and the path prefix.
std::pair<std::string, std::string> split_url(const std::string& url) {
  size_t scheme = url.find("://");
  size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return {url, ""};
  std::string prefix = url.substr(path);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return {url.substr(0, path), prefix};
}

}  // namespace

std::string pyroscope_name(const std::string& app, const Labels& labels) {
  auto type = labels.find(kTypeLabel);
  std::string name = app + "." + (type == labels.end() ? "cpu" : sanitize(type->second)) + "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (k == kTypeLabel || v.empty()) continue;
    name += (first ? "" : ",") + sanitize(k) + "=" + sanitize(v);
    first = false;
  }
  return name + "}";
}

PyroscopePusher::PyroscopePusher(PushOptions options) : options_(std::move(options)) {}

PyroscopePusher::~PyroscopePusher() {
  stop();
}

bool PyroscopePusher::enqueue(const Labels& labels, std::shared_ptr<const profile::Profile> profile,
                              int64_t start_ns, int64_t end_ns) {
  std::lock_guard lock(mutex_);
  if (queue_.size() >= options_.queue_capacity) {
    ++stats_.dropped_queue_full;
    return false;
  }
  queue_.push_back({labels, std::move(profile), start_ns, end_ns});
  cv_.notify_one();
  return true;
}

void PyroscopePusher::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void PyroscopePusher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

PushStats PyroscopePusher::stats() const {
  std::lock_guard lock(mutex_);
  PushStats s = stats_;
  s.queued = queue_.size();
  return s;
}

void PyroscopePusher::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    bool ok = send(item);
    lock.lock();
    ++(ok ? stats_.sent : stats_.dropped_failed);
  }
}

bool PyroscopePusher::send(const Item& item) {
  std::string body = exporter::encode_pprof(*item.profile);
  auto delay = options_.backoff;
  for (int i = 1; i <= options_.max_attempts; ++i) {
    int result = attempt(item, body);
    if (result == 0) return true;
    if (result == 2 || i == options_.max_attempts) break;
    {
      std::unique_lock lock(mutex_);
      ++stats_.retries;
      if (cv_.wait_for(lock, delay, [this] { return stopping_; })) return false;
    }
    delay *= 2;
  }
  return false;
}

int PyroscopePusher::attempt(const Item& item, const std::string& body) {
  auto [base, prefix] = split_url(options_.url);
  httplib::Client client(base);
  client.set_connection_timeout(options_.timeout);
  client.set_read_timeout(options_.timeout);
  client.set_write_timeout(options_.timeout);
  httplib::Params params = {{"name", pyroscope_name(options_.app_name, item.labels)},
                            {"from", std::to_string(item.start_ns / 1000000000)},
                            {"until", std::to_string((item.end_ns + 999999999) / 1000000000)},
                            {"format", "pprof"},
                            {"spyName", "ksight"},
                            {"sampleRate", std::to_string(options_.sample_rate_hz)}};
  std::string path = prefix + "/ingest?" + httplib::detail::params_to_query_str(params);
  httplib::Headers headers(options_.headers.begin(), options_.headers.end());
  httplib::MultipartFormDataItems items = {
      {"profile", body, "profile.pprof", "application/octet-stream"}};
  auto res = client.Post(path, headers, items);
  if (!res) {
    spdlog::debug("pyroscope push: {}", httplib::to_string(res.error()));
    return 1;
  }
  if (res->status >= 200 && res->status < 300) return 0;
  spdlog::debug("pyroscope push: HTTP {}: {}", res->status, res->body.substr(0, 200));
  bool retryable = res->status >= 500 || res->status == 429 || res->status == 408;
  return retryable ? 1 : 2;
}

}  // namespace ksight::store
