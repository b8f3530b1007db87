// usdt_args N: fires the USDT probe ksight:args N times, for i = 1..N, with
// (int i, long -1000 * i, the constant 7, short 3 * i), so sums are known:
// for N = 4: 10, -10000, 28, 30. Built at -O2 (arguments in registers) and
// -O0 (arguments in stack slots: 8@-16(%rbp)-style specs).
#include <stdlib.h>
#include <sys/sdt.h>

__attribute__((noinline)) void ksight_fire(int i) {
  long neg = -1000L * i;
  short s = (short)(3 * i);
  STAP_PROBE4(ksight, args, i, neg, 7, s);
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  for (int i = 1; i <= n; ++i) ksight_fire(i);
  return 0;
}
