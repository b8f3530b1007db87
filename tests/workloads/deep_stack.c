// A stack deeper than the profiler's user-stack copy: `deep_frame` recurses
// DEPTH (60) times with 1 KiB frames (~60 KiB of stack) and spins at the
// bottom. Built with frame pointers, so a profile can continue a DWARF stack
// cut short by the 16 KiB copy with the frame-pointer frames above it.
// Usage: ksight_deep_stack SECONDS. Prints "ready <pid>".
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define DEPTH 60

static volatile unsigned long sink;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void deep_spin(double until) {
  while (now_seconds() < until) {
    for (unsigned long i = 0; i < 200000; i++) sink += i * i;
  }
}

__attribute__((noinline)) void deep_frame(int depth, double until) {
  volatile char pad[1024];
  pad[0] = (char)depth;
  if (depth > 0) {
    deep_frame(depth - 1, until);
  } else {
    deep_spin(until);
  }
  sink += pad[0];
}

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 5.0;
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  deep_frame(DEPTH, now_seconds() + seconds);
  return 0;
}
