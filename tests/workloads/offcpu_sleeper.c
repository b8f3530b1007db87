// Blocks in a known function: ksight_sleep_in_known_function() sleeps 20 ms at
// a time with a raw nanosleep syscall (no libc frame in between, so even a
// frame-pointer user stack starts inside the known function). Prints "ready"
// and runs for argv[1] seconds (default 30).
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

__attribute__((noinline)) void ksight_sleep_in_known_function(void) {
  struct timespec ts = {0, 20 * 1000 * 1000};
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(SYS_nanosleep), "D"(&ts), "S"(0)
                   : "rcx", "r11", "memory");
  (void)ret;
}

__attribute__((noinline)) void ksight_offcpu_loop(int seconds) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    ksight_sleep_in_known_function();
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (now.tv_sec - start.tv_sec < seconds);
}

int main(int argc, char** argv) {
  int seconds = argc > 1 ? atoi(argv[1]) : 30;
  printf("ready\n");
  fflush(stdout);
  ksight_offcpu_loop(seconds);
  return 0;
}
