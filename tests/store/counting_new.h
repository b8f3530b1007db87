#pragma once
// Counts the bytes allocated through the global operator new (and released
// through delete) of the test binary that links counting_new.cpp, so memory
// tests can assert what a data structure really holds.
#include <cstddef>

namespace ksight::testing {

// Bytes requested from operator new and not yet deleted.
size_t live_bytes();

// Peak live bytes while `fn` runs, above what was live before it.
size_t peak_during_impl(void (*fn)(void*), void* arg);
template <typename Fn>
size_t peak_during(Fn&& fn) {
  return peak_during_impl([](void* f) { (*static_cast<Fn*>(f))(); }, &fn);
}

}  // namespace ksight::testing
