// connect_n N [6]: N connect() calls to 127.0.0.1:9, or with "6" to [::1]:9
// (refused or not, each counts).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  int v6 = argc > 2 && strcmp(argv[2], "6") == 0;
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(9);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct sockaddr_in6 addr6 = {0};
  addr6.sin6_family = AF_INET6;
  addr6.sin6_port = htons(9);
  addr6.sin6_addr = in6addr_loopback;
  for (int i = 0; i < n; ++i) {
    int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (s < 0) return 1;
    if (v6) {
      connect(s, (struct sockaddr*)&addr6, sizeof(addr6));
    } else {
      connect(s, (struct sockaddr*)&addr, sizeof(addr));
    }
    close(s);
  }
  return 0;
}
