#pragma once
// A bounded FIFO whose slots are reused: the exporter's span queue.
//
// Why not std::deque: a queued HTTP span is ~700 bytes, more than a deque
// node holds, so std::deque allocated and freed one node per span, and at
// 10^5 spans/s that malloc/free pair was a measurable share of the
// ring-buffer thread (bench/http_overhead.sh PERF=1). Here a slot is
// move-assigned in place (its strings keep their buffers), and the slots
// grow by doubling up to `max_size`, so an idle exporter stays small.
//
// Full: push_back overwrites the oldest element and says so (the exporter
// counts it as dropped).
#include <cstddef>
#include <utility>
#include <vector>

namespace ksight::otel {

template <typename T>
class SlotRing {
 public:
  explicit SlotRing(size_t max_size) : max_size_(max_size ? max_size : 1) {}

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t max_size() const { return max_size_; }
  size_t capacity() const { return slots_.size(); }

  T& front() { return slots_[head_]; }
  const T& front() const { return slots_[head_]; }

  // Appends a slot and returns it for the caller to fill in place: it holds
  // a moved-from or default element. `evicted` is set when the oldest
  // element was given up to make room.
  T& push_slot(bool& evicted) {
    evicted = false;
    if (size_ == slots_.size()) {
      if (slots_.size() < max_size_) {
        grow();
      } else {
        head_ = next(head_);  // the oldest slot becomes the newest
        --size_;
        evicted = true;
      }
    }
    ++size_;
    return slots_[index(size_ - 1)];
  }

  // Returns true when the oldest element was overwritten to make room.
  bool push_back(T&& value) {
    bool evicted = false;
    push_slot(evicted) = std::move(value);
    return evicted;
  }

  // Forgets the oldest element; its slot keeps whatever the caller left
  // there (usually a moved-from husk) until it is reused.
  void pop_front() {
    head_ = next(head_);
    --size_;
  }

  // Drops every element now (their resources too, not at reuse).
  void clear() {
    for (size_t i = 0; i < size_; ++i) slots_[index(i)] = T{};
    head_ = 0;
    size_ = 0;
  }

 private:
  size_t next(size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
  size_t index(size_t offset) const {
    size_t i = head_ + offset;
    return i >= slots_.size() ? i - slots_.size() : i;
  }

  void grow() {
    size_t want = slots_.empty() ? 16 : slots_.size() * 2;
    std::vector<T> bigger(want < max_size_ ? want : max_size_);
    for (size_t i = 0; i < size_; ++i) bigger[i] = std::move(slots_[index(i)]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  size_t max_size_;
  std::vector<T> slots_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace ksight::otel
