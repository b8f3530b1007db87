#include "rules/engine.h"

#include <unistd.h>

namespace ksight::rules {

struct Engine::Active {
  std::shared_ptr<const RuleSet> rules;
  std::vector<std::optional<RateTracker>> trackers;  // per rule index
  std::vector<TokenBucket> buckets;                  // per rule index
};

namespace {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

}  // namespace

Engine::Engine(std::shared_ptr<const RuleSet> rules, EngineOptions options)
    : options_(std::move(options)) {
  if (options_.hostname.empty()) options_.hostname = host_name();
  ctx_.set_hostname(options_.hostname);
  set_rules(std::move(rules));
}

Engine::~Engine() = default;

void Engine::set_rules(std::shared_ptr<const RuleSet> rules) {
  if (!rules) rules = std::make_shared<RuleSet>();
  std::lock_guard lock(rules_mu_);
  pending_ = std::move(rules);
  generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const RuleSet> Engine::rules() const {
  std::lock_guard lock(rules_mu_);
  return pending_;
}

void Engine::refresh_active() {
  auto active = std::make_unique<Active>();
  {
    std::lock_guard lock(rules_mu_);
    active->rules = pending_;
    active_generation_ = generation_.load(std::memory_order_acquire);
  }
  for (const auto& rule : active->rules->rules()) {
    if (rule.rate) {
      active->trackers.emplace_back(std::in_place, rule.rate->window_ns, rule.rate->op,
                                    rule.rate->threshold, options_.rate_max_keys);
    } else {
      active->trackers.emplace_back();
    }
    active->buckets.emplace_back(options_.alert_limit);
  }
  active_ = std::move(active);
}

void Engine::count(const CompiledRule& rule, bool suppressed) {
  (suppressed ? suppressed_ : alerts_).fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(counters_mu_);
  RuleCounter& c = rule_counters_[rule.name];
  c.rule = rule.name;
  c.priority = rule.priority;
  ++(suppressed ? c.suppressed : c.alerts);
}

bool Engine::fire(uint32_t index, const CompiledRule& rule, uint64_t now, std::vector<Alert>& out) {
  uint64_t rate_count = 0;
  if (rule.rate) {
    key_.clear();
    for (const auto& field : rule.rate->by) {
      render_field(ctx_, field, key_);
      key_ += '\x1f';
    }
    RateTracker& tracker = *active_->trackers[index];
    bool crossed = tracker.observe(key_, now, &rate_count);
    if (uint64_t evicted = tracker.take_new_evictions()) evictions_.fetch_add(evicted);
    if (!crossed) return false;
  }
  if (!active_->buckets[index].take(now)) {
    count(rule, true);
    return false;
  }
  count(rule, false);
  const SecurityEvent& ev = ctx_.event();
  Alert alert;
  alert.time_ns = ev.ts_ns;
  alert.rule = rule.name;
  alert.priority = rule.priority;
  alert.source = rule.source;
  alert.hostname = options_.hostname;
  alert.tags = rule.tags;
  std::string time_of_day = format_rfc3339_ns(ev.ts_ns).substr(11, 18);
  alert.output = time_of_day + ": " + std::string(priority_name(rule.priority)) + " ";
  rule.output.render(ctx_, alert.output);
  rule.output.render_fields(ctx_, alert.output_fields);
  if (rule.rate) {
    alert.output_fields.push_back({"rate.count", std::to_string(rate_count), true, true});
    alert.output_fields.push_back(
        {"rate.window_s", std::to_string(rule.rate->window_ns / 1'000'000'000ULL), true, true});
  }
  out.push_back(std::move(alert));
  return true;
}

void Engine::process(const SecurityEvent& event, std::vector<Alert>& out) {
  if (generation_.load(std::memory_order_acquire) != active_generation_) refresh_active();
  uint64_t number = events_.fetch_add(1, std::memory_order_relaxed) + 1;
  ctx_.reset(event, number);
  const RuleSet& rules = *active_->rules;
  uint64_t now = options_.clock ? options_.clock->now_ns() : event.ts_ns;
  for (uint32_t index : rules.rules_for(event.type)) {
    const CompiledRule& rule = rules.rules()[index];
    if (rule.priority > options_.min_priority) continue;
    if (rule.check->eval(ctx_)) fire(index, rule, now, out);
  }
}

std::vector<Alert> Engine::process(const SecurityEvent& event) {
  std::vector<Alert> out;
  process(event, out);
  return out;
}

Diagnostics Engine::apply(LoadResult result) {
  if (!result.ok()) {
    reload_failures_.fetch_add(1);
    return std::move(result.diagnostics);
  }
  set_rules(std::move(result.rules));
  reloads_.fetch_add(1);
  return std::move(result.diagnostics);
}

Diagnostics Engine::reload(const std::vector<std::string>& paths) {
  return apply(load_rule_files(paths));
}

Diagnostics Engine::reload(const std::vector<RuleSource>& sources) {
  return apply(load_rules(sources));
}

EngineCounters Engine::counters() const {
  EngineCounters c;
  c.events = events_.load();
  c.alerts = alerts_.load();
  c.suppressed = suppressed_.load();
  c.rate_evictions = evictions_.load();
  c.reloads = reloads_.load();
  c.reload_failures = reload_failures_.load();
  std::lock_guard lock(counters_mu_);
  for (const auto& [name, counter] : rule_counters_) c.rules.push_back(counter);
  return c;
}

}  // namespace ksight::rules
