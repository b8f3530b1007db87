// Batching, backoff and the bounded queue, with a fake clock and transport.
#include "export/otlp/exporter.h"

#include <gtest/gtest.h>

#include <deque>

namespace ksight::otel {
namespace {

using namespace std::chrono_literals;

class FakeClock : public Clock {
 public:
  time_point now() const override { return t; }
  void advance(std::chrono::milliseconds d) { t += d; }
  time_point t{std::chrono::seconds(1000)};
};

struct FakeTransport : Transport {
  std::vector<size_t> batches;       // sizes of every attempt
  std::deque<ExportResult> results;  // scripted answers; empty: ok
  const char* name() const override { return "fake"; }
  ExportResult export_spans(const std::vector<Span>& spans) override {
    batches.push_back(spans.size());
    if (results.empty()) return {true, false, {}};
    auto r = results.front();
    results.pop_front();
    return r;
  }
};

class ExporterTest : public ::testing::Test {
 protected:
  void make(ExporterOptions o = {}) {
    auto t = std::make_unique<FakeTransport>();
    transport = t.get();
    exporter = std::make_unique<BatchExporter>(std::move(t), clock, registry, o);
  }
  void add(int n) {
    for (int i = 0; i < n; ++i) {
      Span s;
      s.name = std::to_string(next++);
      exporter->add(std::move(s));
    }
  }
  double dropped(const char* reason) {
    return registry.counter("ksight_spans_dropped_total", "", {"reason"}).value({reason});
  }
  FakeClock clock;
  metrics::Registry registry;
  FakeTransport* transport = nullptr;
  std::unique_ptr<BatchExporter> exporter;
  int next = 0;
};

TEST_F(ExporterTest, FullBatchLeavesAtOnce) {
  make();
  add(511);
  EXPECT_FALSE(exporter->tick());
  add(1);
  EXPECT_TRUE(exporter->tick());
  ASSERT_EQ(transport->batches, std::vector<size_t>{512});
  EXPECT_EQ(exporter->counts().exported, 512u);
  EXPECT_EQ(registry.counter("ksight_spans_exported_total", "", {"transport"}).value({"fake"}),
            512);
}

TEST_F(ExporterTest, PartialBatchLeavesAfterTimeout) {
  make();
  add(3);
  clock.advance(4999ms);
  EXPECT_FALSE(exporter->tick());
  EXPECT_EQ(exporter->next_due(), clock.now() + 1ms);
  clock.advance(1ms);
  EXPECT_TRUE(exporter->tick());
  EXPECT_EQ(transport->batches, std::vector<size_t>{3});
  EXPECT_FALSE(exporter->next_due());
}

TEST_F(ExporterTest, RetryableFailuresBackOffExponentially) {
  make({.initial_backoff = 1000ms, .max_backoff = 3000ms, .max_attempts = 10});
  for (int i = 0; i < 4; ++i) transport->results.push_back({false, true, "unavailable"});
  add(512);
  EXPECT_TRUE(exporter->tick());  // fails: retry in 1 s
  std::vector<std::chrono::milliseconds> waits;
  while (transport->batches.size() < 5) {
    auto due = exporter->next_due();
    ASSERT_TRUE(due);
    waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(*due - clock.now()));
    clock.advance(waits.back() - 1ms);
    EXPECT_FALSE(exporter->tick());
    clock.advance(1ms);
    EXPECT_TRUE(exporter->tick());
  }
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{1000ms, 2000ms, 3000ms, 3000ms}));
  EXPECT_EQ(exporter->counts().exported, 512u);
  EXPECT_EQ(exporter->counts().batches_failed, 4u);
  EXPECT_EQ(exporter->counts().dropped, 0u);
}

TEST_F(ExporterTest, RetriesAreBoundedThenDropped) {
  make({.max_attempts = 3});
  for (int i = 0; i < 3; ++i) transport->results.push_back({false, true, "unavailable"});
  add(512);
  for (int i = 0; i < 3; ++i) {
    clock.advance(60s);
    exporter->tick();
  }
  EXPECT_EQ(transport->batches.size(), 3u);
  EXPECT_EQ(dropped("retries_exhausted"), 512);
  EXPECT_EQ(exporter->queued(), 0u);
}

// The sending thread is woken once per completed batch, not per span and
// not before a batch is full.
TEST_F(ExporterTest, BatchReadyOncePerFullBatch) {
  make({.max_queue = 4096, .max_batch = 512});
  int woken = 0;
  exporter->on_batch_ready([&] { ++woken; });
  add(511);
  EXPECT_EQ(woken, 0);
  add(1);
  EXPECT_EQ(woken, 1);
  add(1023);
  EXPECT_EQ(woken, 2);
  exporter->on_batch_ready(nullptr);
  add(1);
  EXPECT_EQ(woken, 2);
}

// OTLP partial success: the request was accepted, some spans were not.
TEST_F(ExporterTest, SpansRejectedInAnAcceptedBatchAreCountedNotRetried) {
  make();
  transport->results.push_back({true, false, "3 spans over the size limit", 3});
  transport->results.push_back({true, false, "more rejected than sent", 9999});
  add(512);
  EXPECT_TRUE(exporter->tick());
  EXPECT_EQ(dropped("rejected"), 3);
  EXPECT_EQ(exporter->counts().exported, 509u);
  EXPECT_EQ(exporter->counts().batches_ok, 1u);
  add(512);
  EXPECT_TRUE(exporter->tick());
  EXPECT_EQ(dropped("rejected"), 3 + 512);  // never more than the batch
  EXPECT_EQ(exporter->counts().exported, 509u);
  EXPECT_EQ(transport->batches.size(), 2u);  // no retry of either
  EXPECT_FALSE(exporter->next_due());
}

TEST_F(ExporterTest, NonRetryableFailureDropsTheBatch) {
  make();
  transport->results.push_back({false, false, "invalid argument"});
  add(512);
  EXPECT_TRUE(exporter->tick());
  EXPECT_EQ(dropped("rejected"), 512);
  EXPECT_FALSE(exporter->next_due());
}

TEST_F(ExporterTest, FullQueueDropsOldest) {
  make({.max_queue = 600, .max_batch = 512});
  add(700);
  EXPECT_EQ(exporter->queued(), 600u);
  EXPECT_EQ(dropped("queue_full"), 100);
  struct Names : Transport {
    std::string first;
    const char* name() const override { return "names"; }
    ExportResult export_spans(const std::vector<Span>& s) override {
      first = s.front().name;
      return {true, false, {}};
    }
  };
  // The survivors are the newest 600: the first batch starts at span 100.
  auto t = std::make_unique<Names>();
  auto* names = t.get();
  BatchExporter other(std::move(t), clock, registry, {.max_queue = 600});
  for (int i = 0; i < 700; ++i) {
    Span s;
    s.name = std::to_string(i);
    other.add(std::move(s));
  }
  other.tick();
  EXPECT_EQ(names->first, "100");
}

TEST_F(ExporterTest, QueueKeepsFillingDuringBackoff) {
  make({.max_queue = 1024, .max_attempts = 100});
  transport->results.push_back({false, true, "unavailable"});
  add(512);
  exporter->tick();
  add(2000);
  EXPECT_EQ(exporter->queued(), 512u + 1024u);  // the retry batch plus a full queue
  EXPECT_EQ(dropped("queue_full"), 2000 - 1024);
}

TEST_F(ExporterTest, FlushSendsEverythingOnce) {
  make();
  add(1100);
  exporter->flush();
  EXPECT_EQ(transport->batches, (std::vector<size_t>{512, 512, 76}));
  EXPECT_EQ(exporter->queued(), 0u);
}

TEST_F(ExporterTest, FlushStopsAtItsBudget) {
  make();
  struct Slow : Transport {
    FakeClock* clock;
    const char* name() const override { return "slow"; }
    ExportResult export_spans(const std::vector<Span>&) override {
      clock->advance(3s);
      return {true, false, {}};
    }
  };
  auto t = std::make_unique<Slow>();
  t->clock = &clock;
  BatchExporter slow(std::move(t), clock, registry, {});
  for (int i = 0; i < 2048; ++i) slow.add(Span{});
  slow.flush(5s);  // two batches fit in 5 s of a 3 s-per-export peer
  EXPECT_EQ(slow.counts().exported, 1024u);
  EXPECT_EQ(dropped("shutdown"), 1024);
}

}  // namespace
}  // namespace ksight::otel

namespace ksight::otel {
namespace {

struct NamingTransport : Transport {
  std::vector<std::string> names;
  const char* name() const override { return "naming"; }
  ExportResult export_spans(const std::vector<Span>& spans) override {
    for (const auto& s : spans) names.push_back(s.name);
    return {true, false, {}};
  }
};

TEST(ExporterPending, PendingSpansAreBuiltWhenTheirBatchLeavesAndDroppedOnesNever) {
  class FixedClock : public Clock {
   public:
    time_point now() const override { return time_point(std::chrono::seconds(1)); }
  } clock;
  metrics::Registry registry;
  auto t = std::make_unique<NamingTransport>();
  NamingTransport* transport = t.get();
  ExporterOptions o;
  o.max_queue = 3;
  o.max_batch = 2;
  BatchExporter exporter(std::move(t), clock, registry, o);
  for (int i = 0; i < 4; ++i) {
    PendingHttpSpan p;
    p.exchange.request.method = "GET";
    p.route = "/m" + std::to_string(i);
    exporter.add(std::move(p));
  }
  Span built;
  built.name = "built";
  exporter.add(std::move(built));  // drops /m1 (/m0 went first)
  EXPECT_TRUE(exporter.tick());
  exporter.flush();
  EXPECT_EQ(transport->names, (std::vector<std::string>{"GET /m2", "GET /m3", "built"}));
  EXPECT_EQ(exporter.counts().dropped, 2u);
}

}  // namespace
}  // namespace ksight::otel
