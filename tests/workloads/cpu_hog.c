// A CPU-bound workload with a known call chain:
//   main -> hog_outer -> hog_middle -> hog_leaf (spins)
// Usage: ksight_cpu_hog SECONDS. Prints "ready <pid>" once spinning starts so
// tests can begin profiling on a signal rather than after a sleep.
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

__attribute__((noinline)) void hog_leaf(double until) {
  while (now_seconds() < until) {
    for (unsigned long i = 0; i < 200000; i++) sink += i * i;
  }
}

__attribute__((noinline)) void hog_middle(double until) {
  hog_leaf(until);
  __asm__ volatile("" ::: "memory");  // keep the call from becoming a tail call
}

__attribute__((noinline)) void hog_outer(double until) {
  hog_middle(until);
  __asm__ volatile("" ::: "memory");
}

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 5.0;
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  hog_outer(now_seconds() + seconds);
  return 0;
}
