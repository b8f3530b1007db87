#pragma once
// Where alerts go. Each sink gets the alert and its JSON line; OutputSet fans
// out to several. Sinks: stdout (default), file:PATH (appends), syslog, and
// http:URL / http://... / https://... (webhook, see http_sink.h).
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "rules/alert.h"

namespace ksight::rules {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void emit(const Alert& alert, const std::string& json_line) = 0;
  // Blocks until queued alerts are delivered or given up on.
  virtual void flush() {}
  // Alerts this sink could not deliver.
  virtual uint64_t drops() const { return 0; }
  virtual std::string name() const = 0;
};

// JSON lines to a stdio stream (stdout by default).
class StreamSink : public AlertSink {
 public:
  explicit StreamSink(FILE* stream = stdout, std::string name = "stdout")
      : stream_(stream), name_(std::move(name)) {}
  void emit(const Alert& alert, const std::string& json_line) override;
  void flush() override;
  uint64_t drops() const override { return drops_; }
  std::string name() const override { return name_; }

 protected:
  FILE* stream_;
  std::string name_;
  std::atomic<uint64_t> drops_{0};
  std::mutex mu_;
};

// JSON lines appended to a file (created 0600 if missing).
class FileSink : public StreamSink {
 public:
  explicit FileSink(const std::string& path);  // throws ksight::Error
  ~FileSink() override;
};

// One syslog message per alert (LOG_AUTHPRIV facility, alert priority
// mapped to the syslog severity), the JSON line as its text.
class SyslogSink : public AlertSink {
 public:
  SyslogSink();
  ~SyslogSink() override;
  void emit(const Alert& alert, const std::string& json_line) override;
  std::string name() const override { return "syslog"; }
  static int severity(Priority p);
};

class OutputSet {
 public:
  void add(std::unique_ptr<AlertSink> sink) { sinks_.push_back(std::move(sink)); }
  void emit(const Alert& alert);
  void flush();
  uint64_t drops() const;  // summed over sinks
  const std::vector<std::unique_ptr<AlertSink>>& sinks() const { return sinks_; }

 private:
  std::vector<std::unique_ptr<AlertSink>> sinks_;
};

// "stdout", "file:PATH", "syslog", "http:URL" or a bare http(s):// URL.
// Throws ksight::Error on an unknown spec.
std::unique_ptr<AlertSink> make_sink(const std::string& spec);

}  // namespace ksight::rules
