// spin MS: burns CPU in user space for MS milliseconds.
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char** argv) {
  double ms = argc > 1 ? atof(argv[1]) : 1000;
  double end = now_ms() + ms;
  volatile unsigned long x = 0;
  while (now_ms() < end) {
    for (int i = 0; i < 100000; ++i) x += i;
  }
  return 0;
}
