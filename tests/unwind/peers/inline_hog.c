// A CPU-bound workload whose hot code is inlined twice over:
//   main -> hog_work (noinline) -> spin_outer (inlined) -> spin_inner (inlined)
// Built -O2 -g -fomit-frame-pointer with its debug info split out, so only
// DWARF (found through .gnu_debuglink or the build-id layout) can name the
// inlined functions and their lines. The line numbers below are asserted by
// split_debug_pprof_test.sh: keep the marked lines where they are.
// Usage: ksight_inline_hog SECONDS. Prints "ready <pid>" once spinning.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline __attribute__((always_inline)) void spin_inner(unsigned long n) {
  for (unsigned long i = 0; i < n; i++) sink += i * i;  // line 22: the hot line
}

static inline __attribute__((always_inline)) void spin_outer(unsigned long n) {
  spin_inner(n);  // line 26: call site of spin_inner
  sink ^= n;
}

__attribute__((noinline)) void hog_work(double until) {
  while (now_seconds() < until) spin_outer(200000);  // line 31: call site of spin_outer
  __asm__ volatile("" ::: "memory");                 // keep the call from becoming a tail call
}

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 5.0;
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  hog_work(now_seconds() + seconds);
  return 0;
}
