// A tiny single-threaded HTTP/1.1 server for the function and slow syscall
// span kernel tests: each request calls ksight_handle_request, which sleeps
// in nanosleep for SLEEP_MS (argv[2], default 30) and calls the recursive
// ksight_recurse(3) (four nested calls); for GET /jump... it first leaves
// ksight_jumper by longjmp. It prints "listening PORT" once it
// accepts; argv[1] is the port (0: any).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int sleep_ms = 30;

__attribute__((noinline)) int ksight_recurse(int n) {
  if (n <= 0) return 0;
  int r = ksight_recurse(n - 1);
  __asm__ volatile("" : "+r"(r)::"memory");  // after the call: no loop, no tail call
  return r + 1;
}

// Leaves by longjmp: its return probe never fires (a lost return).
__attribute__((noinline)) void ksight_jumper(jmp_buf* env) {
  __asm__ volatile("" ::: "memory");
  longjmp(*env, 1);
}

__attribute__((noinline)) int ksight_handle_request(const char* request) {
  struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
  jmp_buf env;
  if (strncmp(request, "GET /jump", 9) == 0 && setjmp(env) == 0) ksight_jumper(&env);
  nanosleep(&ts, NULL);
  return ksight_recurse(3) + (int)(request[0] == 'G');
}

static void serve(int c) {
  char buf[4096];
  size_t used = 0;
  while (used < sizeof buf - 1) {
    ssize_t n = read(c, buf + used, sizeof buf - 1 - used);
    if (n <= 0) return;
    used += (size_t)n;
    buf[used] = 0;
    if (strstr(buf, "\r\n\r\n")) break;
  }
  ksight_handle_request(buf);
  static const char kResponse[] =
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
  if (write(c, kResponse, sizeof kResponse - 1) < 0) perror("write");
}

int main(int argc, char** argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  if (argc > 2) sleep_ms = atoi(argv[2]);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(s, (struct sockaddr*)&a, sizeof a) || listen(s, 64) ||
      getsockname(s, (struct sockaddr*)&a, &len)) {
    perror("listen");
    return 1;
  }
  printf("listening %d\n", ntohs(a.sin_port));
  fflush(stdout);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    serve(c);
    close(c);
  }
}
