// A syscall-heavy workload: reads /dev/zero in 64 KiB chunks, so most of its
// CPU time is spent in the kernel zeroing the buffer. Why not small reads:
// with 4 KiB ones only 55-60% of the samples had kernel frames on a 2-vCPU
// VM (47% with a build running beside it), too close to the test's "most";
// with 64 KiB, 88%. Usage: ksight_syscall_storm SECONDS.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void storm_reads(int fd, double until) {
  static char buf[65536];
  while (now_seconds() < until) {
    for (int i = 0; i < 1000; i++) {
      if (read(fd, buf, sizeof(buf)) < 0) return;
    }
  }
}

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 5.0;
  int fd = open("/dev/zero", O_RDONLY);
  if (fd < 0) return 1;
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  storm_reads(fd, now_seconds() + seconds);
  return 0;
}
