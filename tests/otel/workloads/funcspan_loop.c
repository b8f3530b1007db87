// Calls the noinline ksight_traced N times (argv[1], default 1000000) on one
// thread and prints "N calls in T ms (X ns each)": the per-call cost of a
// uprobe'd function for bench/funcspan_cost.sh.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) long ksight_traced(long i) {
  __asm__ volatile("" ::: "memory");
  return i * 3 + 1;
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  struct timespec a, b;
  long sum = 0;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; ++i) sum += ksight_traced(i);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
  printf("%ld calls in %.1f ms (%.1f ns each) sum %ld\n", n, ns / 1e6, ns / n, sum);
  return 0;
}
