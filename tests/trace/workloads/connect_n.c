// connect_n N: N connect() calls to 127.0.0.1:9 (refused or not, each counts).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(9);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < n; ++i) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) return 1;
    connect(s, (struct sockaddr*)&addr, sizeof(addr));
    close(s);
  }
  return 0;
}
