#pragma once
// Where `ksight detect` (and the agent) get SecurityEvents from. The kernel
// feed (src/agent/) implements EventSource over its ring buffers; the replay
// source reads recorded JSON lines (event_json.h).
#include <functional>
#include <istream>
#include <memory>
#include <string>

#include "rules/event.h"

namespace ksight::rules {

using EventCallback = std::function<void(const SecurityEvent&)>;

class EventSource {
 public:
  virtual ~EventSource() = default;
  // Delivers the events available now, waiting up to timeout_ms for some.
  // Returns false once the source is exhausted (end of a replay).
  virtual bool poll(const EventCallback& on_event, int timeout_ms) = 0;
  // Events the source lost before they reached us (ring buffer overflow, bad
  // replay lines).
  virtual uint64_t lost() const { return 0; }
};

// Reads a .jsonl replay: one SecurityEvent per line; bad lines are logged,
// skipped and counted in lost().
class ReplaySource : public EventSource {
 public:
  // `path` "-" reads standard input (a pipe works: events are processed as
  // they arrive). Throws ksight::Error when the file cannot be opened.
  explicit ReplaySource(const std::string& path);
  explicit ReplaySource(std::unique_ptr<std::istream> in, std::string name = "<stream>");
  bool poll(const EventCallback& on_event, int timeout_ms) override;
  uint64_t lost() const override { return lost_; }
  uint64_t line() const { return line_; }

 private:
  std::unique_ptr<std::istream> in_;
  std::string name_;
  uint64_t line_ = 0;
  uint64_t lost_ = 0;
};

// A live source the agent registers at startup, so `ksight detect` can run
// on the kernel feed without the rules module depending on the agent. Null
// until registered.
using LiveSourceFactory = std::function<std::unique_ptr<EventSource>()>;
void register_live_source(LiveSourceFactory factory);
std::unique_ptr<EventSource> make_live_source();

}  // namespace ksight::rules
