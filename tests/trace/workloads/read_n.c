// read_n N SIZE [N2 SIZE2 ...]: N read(2) calls of SIZE bytes from /dev/zero
// for each pair, so every read returns exactly SIZE.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  static char buf[1 << 20];
  int fd = open("/dev/zero", O_RDONLY);
  if (fd < 0) return 1;
  for (int a = 1; a + 1 < argc; a += 2) {
    int n = atoi(argv[a]);
    size_t size = (size_t)atol(argv[a + 1]);
    if (size > sizeof(buf)) return 2;
    for (int i = 0; i < n; ++i) {
      if (read(fd, buf, size) != (ssize_t)size) return 3;
    }
  }
  close(fd);
  return 0;
}
