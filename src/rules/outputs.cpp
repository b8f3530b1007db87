#include "rules/outputs.h"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "rules/http_sink.h"

namespace ksight::rules {

void StreamSink::emit(const Alert&, const std::string& json_line) {
  std::lock_guard lock(mu_);
  if (std::fwrite(json_line.data(), 1, json_line.size(), stream_) != json_line.size() ||
      std::fputc('\n', stream_) == EOF) {
    ++drops_;
    return;
  }
  // Line-at-a-time so `tail -f` and pipes see each alert as it happens.
  std::fflush(stream_);
}

void StreamSink::flush() {
  std::lock_guard lock(mu_);
  std::fflush(stream_);
}

namespace {

FILE* open_append(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw Error("cannot open alert file " + path + ": " + std::strerror(errno));
  FILE* f = ::fdopen(fd, "a");
  if (!f) {
    ::close(fd);
    throw Error("cannot open alert file " + path + ": " + std::strerror(errno));
  }
  return f;
}

}  // namespace

FileSink::FileSink(const std::string& path) : StreamSink(open_append(path), "file:" + path) {}

FileSink::~FileSink() {
  std::fclose(stream_);
}

SyslogSink::SyslogSink() {
  ::openlog("ksight", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

SyslogSink::~SyslogSink() {
  ::closelog();
}

int SyslogSink::severity(Priority p) {
  // Priority's order is syslog's: Emergency = LOG_EMERG (0) ... Debug = LOG_DEBUG (7).
  return static_cast<int>(p);
}

void SyslogSink::emit(const Alert& alert, const std::string& json_line) {
  ::syslog(LOG_AUTHPRIV | severity(alert.priority), "%s", json_line.c_str());
}

void OutputSet::emit(const Alert& alert) {
  if (sinks_.empty()) return;
  std::string line = alert_to_json(alert);
  for (auto& sink : sinks_) sink->emit(alert, line);
}

void OutputSet::flush() {
  for (auto& sink : sinks_) sink->flush();
}

uint64_t OutputSet::drops() const {
  uint64_t n = 0;
  for (const auto& sink : sinks_) n += sink->drops();
  return n;
}

std::unique_ptr<AlertSink> make_sink(const std::string& spec) {
  if (spec == "stdout") return std::make_unique<StreamSink>();
  if (spec == "stderr") return std::make_unique<StreamSink>(stderr, "stderr");
  if (spec == "syslog") return std::make_unique<SyslogSink>();
  if (spec.starts_with("file:")) return std::make_unique<FileSink>(spec.substr(5));
  if (spec.starts_with("http://") || spec.starts_with("https://")) {
    return std::make_unique<HttpSink>(HttpSinkOptions{spec});
  }
  if (spec.starts_with("http:")) return std::make_unique<HttpSink>(HttpSinkOptions{spec.substr(5)});
  throw Error("unknown output '" + spec + "' (stdout, file:PATH, syslog, http:URL)");
}

}  // namespace ksight::rules
