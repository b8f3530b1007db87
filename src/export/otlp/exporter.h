#pragma once
// Span export pipeline: a bounded queue, batches, retries.
//
//   add(span) ─▶ queue (max_queue; full → oldest dropped,
//                ksight_spans_dropped_total{reason="queue_full"})
//   tick(now) ─▶ a batch leaves when max_batch spans wait or the oldest has
//                waited batch_timeout; a retryable failure keeps the batch and
//                retries after initial_backoff * 2^n (capped at max_backoff),
//                at most max_attempts times; other failures drop it (counted).
//
// Time comes from an injectable Clock and the wire from a Transport, so the
// whole policy is tested with a fake clock and a fake transport
// (tests/otel/exporter_test.cpp). ExporterThread drives tick() for real.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "export/otlp/slot_ring.h"
#include "metrics/registry.h"
#include "otel/span.h"

namespace ksight::otel {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
};

class SteadyClock : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
};

struct ExportResult {
  bool ok = false;
  bool retryable = false;
  std::string error;
  // An accepted request can still lose spans: OTLP's partial success names
  // how many the receiver rejected (never retried) and, in `error`, why.
  uint64_t rejected = 0;
};

// One OTLP transport (gRPC, HTTP/protobuf). export_spans blocks until the
// peer answered or the transport's own deadline passed.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual const char* name() const = 0;
  virtual ExportResult export_spans(const std::vector<Span>& spans) = 0;
};

struct ExporterOptions {
  size_t max_queue = 4096;
  size_t max_batch = 512;
  std::chrono::milliseconds batch_timeout{5000};
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  int max_attempts = 5;
};

struct ExporterCounts {
  uint64_t exported = 0;
  uint64_t dropped = 0;
  uint64_t batches_ok = 0;
  uint64_t batches_failed = 0;  // attempts that failed
};

class BatchExporter {
 public:
  BatchExporter(std::unique_ptr<Transport> transport, const Clock& clock,
                metrics::Registry& registry, ExporterOptions options = {});

  // Thread-safe.
  void add(Span&& span);
  // A span built only when its batch leaves, on the sending thread; one
  // dropped from a full queue is never built.
  void add(PendingHttpSpan&& pending);
  // Called (outside the lock) each time add() completes a batch, so the
  // sending thread starts at once instead of at its next timer: at tens of
  // thousands of spans/s a 200 ms nap overflows the queue.
  void on_batch_ready(std::function<void()> fn);
  // Sends at most one batch if one is due; returns true when it sent.
  bool tick();
  // When tick() next has work: the batch deadline or the end of a backoff.
  std::optional<Clock::time_point> next_due() const;
  // Sends everything queued now, ignoring the batch timeout (one attempt
  // each); what is left when `budget` has passed is dropped ("shutdown").
  void flush(std::chrono::milliseconds budget = std::chrono::seconds(5));

  size_t queued() const;
  ExporterCounts counts() const;

 private:
  using Item = std::variant<Span, PendingHttpSpan>;
  template <typename T>
  void push(T&& item);
  // Moves up to `n` queued items out (caller holds mutex_).
  std::vector<Item> take(size_t n);
  static std::vector<Span> build(std::vector<Item>& items);  // outside the lock
  void settle(std::vector<Span>& batch, const ExportResult& result, Clock::time_point now);
  void drop(size_t n, const char* reason);  // caller holds mutex_
  // True when a loss may be logged as a warning (the last was 10 s ago),
  // else it goes to debug: a receiver refusing every batch would otherwise
  // log hundreds of lines a second. The counters hold the totals either way.
  bool loss_warning_due(Clock::time_point now);

  std::unique_ptr<Transport> transport_;
  const Clock& clock_;
  ExporterOptions options_;
  mutable std::mutex mutex_;
  struct Queued {
    Clock::time_point at;
    Item item;
  };
  SlotRing<Queued> queue_;
  std::vector<Span> retry_;  // a batch waiting for its next attempt
  int attempts_ = 0;
  Clock::time_point retry_at_{};
  std::optional<Clock::time_point> last_loss_warning_;
  ExporterCounts counts_;
  std::function<void()> batch_ready_;
  metrics::Counter& dropped_;
  metrics::Counter& exported_;
  metrics::Counter& exports_;
  metrics::Gauge& queue_gauge_;
};

// Runs tick() on its own thread until stop(), which flushes once.
class ExporterThread {
 public:
  explicit ExporterThread(BatchExporter& exporter);
  ~ExporterThread();
  void wake();
  void stop();

 private:
  void run();
  BatchExporter& exporter_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace ksight::otel
