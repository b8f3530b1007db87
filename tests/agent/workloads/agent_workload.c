// Workloads with known kernel activity for the agent's kernel tests and the
// syscall-overhead benchmark. The process name (comm) comes from the name it
// is executed under, so tests run it through a symlink with a unique name.
//   agent_workload openat N   N openat(2) calls of /dev/null (each closed)
//   agent_workload kmalloc N  N open+read of /proc/self/stat (seq_file buffers
//                             are kmalloc'd: at least one kmalloc per read)
//   agent_workload getppid N  N getppid(2) calls; prints ns per call
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s openat|kmalloc|getppid N\n", argv[0]);
    return 2;
  }
  long n = atol(argv[2]);
  if (strcmp(argv[1], "openat") == 0) {
    for (long i = 0; i < n; ++i) {
      int fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) return 1;
      close(fd);
    }
  } else if (strcmp(argv[1], "kmalloc") == 0) {
    char buf[4096];
    for (long i = 0; i < n; ++i) {
      int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
      if (fd < 0) return 1;
      if (read(fd, buf, sizeof(buf)) < 0) return 1;
      close(fd);
    }
  } else if (strcmp(argv[1], "getppid") == 0) {
    double start = now_ns();
    for (long i = 0; i < n; ++i) syscall(SYS_getppid);
    printf("%.1f\n", (now_ns() - start) / (double)n);
  } else {
    return 2;
  }
  return 0;
}
