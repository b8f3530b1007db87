// Makes the kernel allocate from a known path: after "ready" and a second's
// pause, opens N pipes (argv[1], default 200; pipe2 → alloc_pipe_info →
// kmalloc), prints "allocated", keeps them 2 s, closes them all, prints
// "freed", lingers 2 s.
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int pipes = argc > 1 ? atoi(argv[1]) : 200;
  if (pipes <= 0) return 2;
  struct rlimit nofile;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < (rlim_t)(2 * pipes + 16)) {
    nofile.rlim_cur = 2 * pipes + 16;
    if (nofile.rlim_max < nofile.rlim_cur) nofile.rlim_max = nofile.rlim_cur;
    if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) return 3;
  }
  int(*fds)[2] = calloc((size_t)pipes, sizeof(*fds));
  if (!fds) return 4;
  printf("ready\n");
  fflush(stdout);
  sleep(1);
  for (int i = 0; i < pipes; ++i) {
    if (pipe(fds[i]) != 0) return 1;
  }
  printf("allocated\n");
  fflush(stdout);
  sleep(2);
  for (int i = 0; i < pipes; ++i) {
    close(fds[i][0]);
    close(fds[i][1]);
  }
  printf("freed\n");
  fflush(stdout);
  sleep(2);
  free(fds);
  return 0;
}
