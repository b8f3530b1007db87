#include "export/otlp/exporter.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace ksight::otel {

BatchExporter::BatchExporter(std::unique_ptr<Transport> transport, const Clock& clock,
                             metrics::Registry& registry, ExporterOptions options)
    : transport_(std::move(transport)),
      clock_(clock),
      options_(options),
      queue_(options.max_queue),
      dropped_(registry.counter("ksight_spans_dropped_total",
                                "Spans dropped before export (queue full, rejected, retries "
                                "exhausted, shutdown).",
                                {"reason"})),
      exported_(registry.counter("ksight_spans_exported_total",
                                 "Spans accepted by the OTLP endpoint.", {"transport"})),
      exports_(registry.counter("ksight_otlp_exports_total", "OTLP export attempts by result.",
                                {"transport", "result"})),
      queue_gauge_(registry.gauge("ksight_spans_queued", "Spans waiting for export.")) {}

// The queue gauge is set where batches leave (tick, flush), not here: a
// labelled registry update per span cost more than queueing the span.
void BatchExporter::on_batch_ready(std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  batch_ready_ = std::move(fn);
}

void BatchExporter::add(Span&& span) {
  push(std::move(span));
}
void BatchExporter::add(PendingHttpSpan&& pending) {
  push(std::move(pending));
}

// The span is moved once, into a reused slot of the queue.
template <typename T>
void BatchExporter::push(T&& item) {
  std::function<void()> ready;
  {
    std::lock_guard lock(mutex_);
    bool evicted = false;
    Queued& slot = queue_.push_slot(evicted);
    if (evicted) drop(1, "queue_full");
    slot.at = clock_.now();
    slot.item.template emplace<T>(std::move(item));
    if (queue_.size() % options_.max_batch == 0) ready = batch_ready_;
  }
  if (ready) ready();
}

std::vector<BatchExporter::Item> BatchExporter::take(size_t n) {
  std::vector<Item> items;
  n = std::min(n, queue_.size());
  items.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    items.push_back(std::move(queue_.front().item));
    queue_.pop_front();
  }
  return items;
}

std::vector<Span> BatchExporter::build(std::vector<Item>& items) {
  std::vector<Span> spans;
  spans.reserve(items.size());
  for (auto& item : items) {
    if (auto* span = std::get_if<Span>(&item)) {
      spans.push_back(std::move(*span));
    } else {
      spans.push_back(std::get<PendingHttpSpan>(item).build());
    }
  }
  items.clear();
  return spans;
}

bool BatchExporter::tick() {
  std::vector<Span> batch;
  std::vector<Item> items;
  Clock::time_point now;
  {
    std::lock_guard lock(mutex_);
    now = clock_.now();
    if (!retry_.empty()) {
      if (now < retry_at_) return false;
      batch = std::move(retry_);
      retry_.clear();
    } else {
      bool due = queue_.size() >= options_.max_batch ||
                 (!queue_.empty() && now - queue_.front().at >= options_.batch_timeout);
      if (!due) return false;
      items = take(options_.max_batch);
      queue_gauge_.set({}, static_cast<double>(queue_.size()));
    }
  }
  if (!items.empty()) batch = build(items);
  ExportResult result = transport_->export_spans(batch);
  std::lock_guard lock(mutex_);
  settle(batch, result, now);
  return true;
}

void BatchExporter::settle(std::vector<Span>& batch, const ExportResult& result,
                           Clock::time_point now) {
  const char* tname = transport_->name();
  auto loss_level = [this](Clock::time_point t) {
    return loss_warning_due(t) ? spdlog::level::warn : spdlog::level::debug;
  };
  if (result.ok) {
    uint64_t rejected = std::min<uint64_t>(result.rejected, batch.size());
    uint64_t accepted = batch.size() - rejected;
    exports_.inc({tname, "ok"});
    exported_.inc({tname}, static_cast<double>(accepted));
    counts_.exported += accepted;
    ++counts_.batches_ok;
    attempts_ = 0;
    if (rejected) {
      spdlog::log(loss_level(now), "otlp {}: the receiver rejected {} of {} spans: {}", tname,
                  rejected, batch.size(), result.error);
      drop(rejected, "rejected");
    } else if (!result.error.empty()) {
      spdlog::log(loss_level(now), "otlp {}: the receiver accepted every span and says: {}", tname,
                  result.error);
    }
    return;
  }
  ++counts_.batches_failed;
  exports_.inc({tname, result.retryable ? "retryable_error" : "error"});
  ++attempts_;
  if (result.retryable && attempts_ < options_.max_attempts) {
    auto backoff = options_.initial_backoff * (int64_t{1} << std::min(attempts_ - 1, 20));
    retry_at_ = now + std::min<std::chrono::milliseconds>(backoff, options_.max_backoff);
    retry_ = std::move(batch);
    spdlog::debug("otlp {}: {} (retry {} in {} ms)", tname, result.error, attempts_,
                  std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now).count());
    return;
  }
  spdlog::log(loss_level(now), "otlp {}: dropping {} spans: {}", tname, batch.size(), result.error);
  drop(batch.size(), result.retryable ? "retries_exhausted" : "rejected");
  attempts_ = 0;
}

std::optional<Clock::time_point> BatchExporter::next_due() const {
  std::lock_guard lock(mutex_);
  queue_gauge_.set({}, static_cast<double>(queue_.size()));
  if (!retry_.empty()) return retry_at_;
  if (queue_.empty()) return std::nullopt;
  if (queue_.size() >= options_.max_batch) return clock_.now();
  return queue_.front().at + options_.batch_timeout;
}

void BatchExporter::flush(std::chrono::milliseconds budget) {
  auto deadline = clock_.now() + budget;
  for (;;) {
    std::vector<Span> batch;
    std::vector<Item> items;
    {
      std::lock_guard lock(mutex_);
      if (clock_.now() >= deadline) {
        drop(queue_.size() + retry_.size(), "shutdown");
        queue_.clear();
        retry_.clear();
        queue_gauge_.set({}, 0);
        return;
      }
      if (!retry_.empty()) {
        batch = std::move(retry_);
        retry_.clear();
      }
      if (batch.size() < options_.max_batch) items = take(options_.max_batch - batch.size());
      queue_gauge_.set({}, static_cast<double>(queue_.size()));
      if (batch.empty() && items.empty()) return;
    }
    for (Span& s : build(items)) batch.push_back(std::move(s));
    ExportResult result = transport_->export_spans(batch);
    std::lock_guard lock(mutex_);
    if (result.ok) {
      settle(batch, result, clock_.now());
    } else {
      exports_.inc({transport_->name(), "error"});
      ++counts_.batches_failed;
      drop(batch.size(), "shutdown");
    }
  }
}

bool BatchExporter::loss_warning_due(Clock::time_point now) {
  if (last_loss_warning_ && now - *last_loss_warning_ < std::chrono::seconds(10)) return false;
  last_loss_warning_ = now;
  return true;
}

void BatchExporter::drop(size_t n, const char* reason) {
  counts_.dropped += n;
  dropped_.inc({reason}, static_cast<double>(n));
}

size_t BatchExporter::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + retry_.size();
}

ExporterCounts BatchExporter::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

ExporterThread::ExporterThread(BatchExporter& exporter)
    : exporter_(exporter), thread_([this] { run(); }) {
  exporter_.on_batch_ready([this] { wake(); });
}

ExporterThread::~ExporterThread() {
  exporter_.on_batch_ready(nullptr);
  stop();
}

void ExporterThread::wake() {
  std::lock_guard lock(mutex_);
  woken_ = true;
  cv_.notify_one();
}

void ExporterThread::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void ExporterThread::run() {
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    auto until = now + std::chrono::milliseconds(200);
    if (auto due = exporter_.next_due()) until = std::min(until, std::max(now, *due));
    {
      std::unique_lock lock(mutex_);
      cv_.wait_until(lock, until, [this] { return stop_ || woken_; });
      woken_ = false;
      if (stop_) break;
    }
    while (exporter_.tick()) {
      std::lock_guard lock(mutex_);
      if (stop_) break;
    }
  }
  exporter_.flush();
}

}  // namespace ksight::otel
