#include "rules/event_source.h"

#include <spdlog/spdlog.h>

#include <fstream>

#include "common/error.h"
#include "rules/event_json.h"

namespace ksight::rules {

ReplaySource::ReplaySource(const std::string& path)
    : in_(std::make_unique<std::ifstream>(path)), name_(path) {
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
