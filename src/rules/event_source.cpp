#include "rules/event_source.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>

#include "common/error.h"
#include "rules/event_json.h"

namespace ksight::rules {

ReplaySource::ReplaySource(const std::string& path) : name_(path) {
  if (path == "-") {
    // Borrow std::cin's buffer without owning it.
    in_ = std::make_unique<std::istream>(std::cin.rdbuf());
    name_ = "<stdin>";
    return;
  }
  in_ = std::make_unique<std::ifstream>(path);
  if (!*in_) throw Error("cannot read replay file " + path);
}

ReplaySource::ReplaySource(std::unique_ptr<std::istream> in, std::string name)
    : in_(std::move(in)), name_(std::move(name)) {}

bool ReplaySource::poll(const EventCallback& on_event, int) {
  std::string text;
  // Hand over events in batches so the caller gets to check its signals.
  for (int n = 0; n < 4096; ++n) {
    if (!std::getline(*in_, text)) return false;
    ++line_;
    if (text.empty() || text[0] == '#') continue;
    std::string error;
    auto ev = event_from_json(text, &error);
    if (!ev) {
      ++lost_;
      spdlog::warn("{}:{}: skipping event: {}", name_, line_, error);
      continue;
    }
    on_event(*ev);
    // From a pipe, hand back control before blocking for more input, so the
    // caller handles signals (SIGHUP) between what has arrived and what has not.
    if (in_->rdbuf()->in_avail() <= 0) break;
  }
  return true;
}

namespace {

LiveSourceFactory& live_factory() {
  static LiveSourceFactory factory;
  return factory;
}

}  // namespace

void register_live_source(LiveSourceFactory factory) {
  live_factory() = std::move(factory);
}

std::unique_ptr<EventSource> make_live_source() {
  return live_factory() ? live_factory()() : nullptr;
}

}  // namespace ksight::rules
