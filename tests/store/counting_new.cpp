#include "counting_new.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<size_t> g_live{0}, g_peak{0};

// Every block carries its size in a 16-byte header (keeps new's alignment).
void* counted_alloc(size_t n) {
  auto* p = static_cast<size_t*>(std::malloc(n + 16));
  if (!p) throw std::bad_alloc();
  *p = n;
  size_t live = g_live.fetch_add(n) + n;
  size_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  return reinterpret_cast<char*>(p) + 16;
}

void counted_free(void* q) {
  if (!q) return;
  auto* p = reinterpret_cast<size_t*>(static_cast<char*>(q) - 16);
  g_live.fetch_sub(*p);
  std::free(p);
}

}  // namespace

namespace ksight::testing {

size_t live_bytes() {
  return g_live.load();
}

size_t peak_during_impl(void (*fn)(void*), void* arg) {
  size_t base = g_live.load();
  g_peak.store(base);
  fn(arg);
  return g_peak.load() - base;
}

}  // namespace ksight::testing

void* operator new(size_t n) {
  return counted_alloc(n);
}
void* operator new[](size_t n) {
  return counted_alloc(n);
}
void operator delete(void* p) noexcept {
  counted_free(p);
}
void operator delete[](void* p) noexcept {
  counted_free(p);
}
void operator delete(void* p, size_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, size_t) noexcept {
  counted_free(p);
}
