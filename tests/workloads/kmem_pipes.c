// Makes the kernel allocate from a known path: after "ready" and a second's
// pause, opens 200 pipes (pipe2 → alloc_pipe_info → kmalloc), prints
// "allocated", keeps them 2 s, closes them all, prints "freed", lingers 2 s.
#include <stdio.h>
#include <unistd.h>

#define PIPES 200

int main(void) {
  int fds[PIPES][2];
  printf("ready\n");
  fflush(stdout);
  sleep(1);
  for (int i = 0; i < PIPES; ++i) {
    if (pipe(fds[i]) != 0) return 1;
  }
  printf("allocated\n");
  fflush(stdout);
  sleep(2);
  for (int i = 0; i < PIPES; ++i) {
    close(fds[i][0]);
    close(fds[i][1]);
  }
  printf("freed\n");
  fflush(stdout);
  sleep(2);
  return 0;
}
