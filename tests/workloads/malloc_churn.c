// The allocation-heavy program of bench/ualloc_cost.sh: N small malloc/free
// pairs (sizes 16..1024 bytes) on one thread, then prints the elapsed time
// and the CPU time (user + kernel, which includes the uprobe handling: on a
// shared machine the fairer figure).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) static void churn(long n) {
  for (long i = 0; i < n; ++i) {
    char* p = malloc(16 + (size_t)(i & 63) * 16);
    if (!p) abort();
    p[0] = (char)i;
    __asm__ volatile("" : : "r"(p) : "memory");
    free(p);
  }
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 50000000L;
  struct timespec a, b, ca, cb;
  clock_gettime(CLOCK_MONOTONIC, &a);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
  churn(n);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
  double c = (double)(cb.tv_sec - ca.tv_sec) + (double)(cb.tv_nsec - ca.tv_nsec) / 1e9;
  printf("%ld allocations in %.3f s (%.1f ns each, %.1f ns CPU each)\n", n, s, s * 1e9 / (double)n,
         c * 1e9 / (double)n);
  return 0;
}
