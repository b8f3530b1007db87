// One HTTP/1.1 exchange per socket-call shape, both ends in this process
// over loopback: the client sends "GET /<shape>" and the server answers
// with that shape's send call, each side receiving with the shape's receive
// call. Shapes: read/write, recvfrom/sendto, readv/writev (the request split
// over two iovecs: the capture reads the first), recvmsg/sendmsg. The kernel
// test checks that the agent saw a SERVER and a CLIENT span for each: every
// call the capture must follow (bpf/http.bpf.c) is exercised once.
// Prints "ok <shape>" per exchange; exits non-zero on a short transfer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

enum shape { READ_WRITE, RECVFROM_SENDTO, READV_WRITEV, RECVMSG_SENDMSG, SHAPES };
static const char* const kNames[SHAPES] = {"write", "sendto", "writev", "sendmsg"};

static ssize_t send_as(enum shape s, int fd, const char* buf, size_t len) {
  size_t half = len / 2;
  struct iovec iov[2] = {{(void*)buf, half}, {(void*)(buf + half), len - half}};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
  switch (s) {
    case READ_WRITE:
      return write(fd, buf, len);
    case RECVFROM_SENDTO:
      return sendto(fd, buf, len, 0, NULL, 0);
    case READV_WRITEV:
      return writev(fd, iov, 2);
    default:
      return sendmsg(fd, &msg, 0);
  }
}

static ssize_t receive_as(enum shape s, int fd, char* buf, size_t len) {
  struct iovec iov = {buf, len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  switch (s) {
    case READ_WRITE:
      return read(fd, buf, len);
    case RECVFROM_SENDTO:
      return recvfrom(fd, buf, len, 0, NULL, NULL);
    case READV_WRITEV:
      return readv(fd, &iov, 1);
    default:
      return recvmsg(fd, &msg, 0);
  }
}

// Sends all of buf with one call of the shape, and receives exactly that
// many bytes on the other end (loopback delivers a small write whole).
static int transfer(enum shape s, int from, int to, const char* buf) {
  char got[512];
  size_t len = strlen(buf);
  if (send_as(s, from, buf, len) != (ssize_t)len) return -1;
  return receive_as(s, to, got, sizeof got) == (ssize_t)len ? 0 : -1;
}

int main(void) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof addr;
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (bind(lfd, (struct sockaddr*)&addr, sizeof addr) || listen(lfd, 4) ||
      getsockname(lfd, (struct sockaddr*)&addr, &alen)) {
    perror("listen");
    return 1;
  }
  for (int s = 0; s < SHAPES; ++s) {
    // A connection per shape: each gets its own socket classification.
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(client, (struct sockaddr*)&addr, sizeof addr)) {
      perror("connect");
      return 1;
    }
    int server = accept(lfd, NULL, NULL);
    char request[256];
    snprintf(request, sizeof request,
             "GET /%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: shapes\r\n\r\n", kNames[s],
             ntohs(addr.sin_port));
    const char* response = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
    if (transfer((enum shape)s, client, server, request) ||
        transfer((enum shape)s, server, client, response)) {
      fprintf(stderr, "short transfer for %s\n", kNames[s]);
      return 1;
    }
    printf("ok %s\n", kNames[s]);
    close(client);
    close(server);
  }
  close(lfd);
  return 0;
}
