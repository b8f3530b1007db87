// Performs one security-relevant action for real, so the kernel tests can
// assert the exact event the BPF sources report for this pid.
//   security_trigger <action> [arg]
// Exit status 0 when the action behaved as expected (including expected
// failures such as ECONNREFUSED), non-zero otherwise.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char* what) {
  fprintf(stderr, "security_trigger: %s: %s\n", what, strerror(errno));
  return 1;
}

static int do_exec(void) {
  char* argv[] = {"true", "ksight-marker", "second arg", NULL};
  char* envp[] = {"KSIGHT_TEST=1", NULL};
  execve("/bin/true", argv, envp);
  return fail("execve");
}

// A failed exec still names what was attempted (filename, argv).
static int do_exec_missing(void) {
  char* argv[] = {"ghost", "arg1", NULL};
  char* envp[] = {NULL};
  execve("/nonexistent/ksight-ghost", argv, envp);
  return errno == ENOENT ? 0 : fail("execve");
}

static int do_open(const char* path) {
  int fd = openat(AT_FDCWD, path, O_WRONLY | O_CREAT, 0640);
  if (fd < 0) return fail("openat");
  close(fd);
  return 0;
}

static int do_read(const char* path) {
  int fd = openat(AT_FDCWD, path, O_RDONLY);
  if (fd < 0) return fail("openat");
  char buf[64];
  if (read(fd, buf, sizeof(buf)) < 0) return fail("read");
  close(fd);
  return 0;
}

// Relative open after chdir: the source must resolve it against the cwd.
static int do_open_rel(const char* dir) {
  if (chdir(dir) != 0) return fail("chdir");
  int fd = openat(AT_FDCWD, "relative.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return fail("openat");
  close(fd);
  pause();  // keep /proc/PID/cwd readable until the test has seen the event
  return 0;
}

static int do_connect(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0) return fail("socket");
  if (connect(s, (struct sockaddr*)&a, sizeof(a)) == 0) return 1;
  return errno == ECONNREFUSED ? 0 : fail("connect");
}

static int do_ptrace(void) {
  pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  if (ptrace(PTRACE_ATTACH, child, 0, 0) != 0) return fail("ptrace attach");
  waitpid(child, NULL, 0);
  ptrace(PTRACE_DETACH, child, 0, 0);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  printf("%d\n", child);
  return 0;
}

static int do_setuid(void) {
  if (setuid(0) != 0) return fail("setuid");
  if (setresuid(0, 0, 0) != 0) return fail("setresuid");
  if (setgid(0) != 0) return fail("setgid");
  return 0;
}

// Fileless execution: copy /bin/true into a memfd and fexecve it.
static int do_memfd(void) {
  int mfd = memfd_create("ksight-test", MFD_CLOEXEC);
  int src = open("/bin/true", O_RDONLY);
  char buf[65536];
  ssize_t n;
  if (mfd < 0 || src < 0) return fail("memfd_create/open");
  while ((n = read(src, buf, sizeof(buf))) > 0) {
    if (write(mfd, buf, (size_t)n) != n) return fail("write");
  }
  char* argv[] = {"memfd-true", NULL};
  char* envp[] = {NULL};
  fexecve(mfd, argv, envp);
  return fail("fexecve");
}

// A connected loopback socket duplicated onto stdin and stdout, the shape
// of a reverse shell; also produces an accept.
static int do_dup(void) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  socklen_t len = sizeof(a);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(l, (struct sockaddr*)&a, sizeof(a)) || listen(l, 1)) return fail("listen");
  getsockname(l, (struct sockaddr*)&a, &len);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (struct sockaddr*)&a, sizeof(a))) return fail("connect");
  int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  if (s < 0) return fail("accept4");
  printf("%d %d\n", ntohs(a.sin_port), c);
  fflush(stdout);
  if (dup2(c, 0) != 0) return fail("dup2");
  if (dup3(c, 1, 0) != 1) return fail("dup3");
  return 0;
}

static int do_kill(void) {
  return kill(getpid(), 0) == 0 ? 0 : fail("kill");
}

static int do_mount(const char* dir) {
  if (unshare(CLONE_NEWNS) != 0) return fail("unshare");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return fail("make private");
  if (mount("ksight-tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") != 0)
    return fail("mount");
  umount(dir);
  return 0;
}

static int do_fileops(const char* dir) {
  char a[512], b[512];
  snprintf(a, sizeof(a), "%s/a", dir);
  snprintf(b, sizeof(b), "%s/b", dir);
  int fd = open(a, O_WRONLY | O_CREAT, 0600);
  if (fd < 0) return fail("create");
  if (rename(a, b) != 0) return fail("rename");
  if (chmod(b, 04755) != 0) return fail("chmod");
  if (chown(b, 1234, 5678) != 0) return fail("chown");
  if (fchmodat(AT_FDCWD, b, 0600, 0) != 0) return fail("fchmodat");
  if (fchownat(AT_FDCWD, b, 0, 0, 0) != 0) return fail("fchownat");
  if (unlink(b) != 0) return fail("unlink");
  if (unlinkat(AT_FDCWD, b, 0) == 0 || errno != ENOENT) return fail("unlinkat");
  close(fd);
  return 0;
}

static int do_bpf(void) {
  struct bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
      {.code = BPF_JMP | BPF_EXIT},
  };
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  attr.insns = (unsigned long)insns;
  attr.insn_cnt = 2;
  attr.license = (unsigned long)"GPL";
  strcpy(attr.prog_name, "ksight_trig");
  int fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
  if (fd < 0) return fail("bpf");
  close(fd);
  return 0;
}

// An invalid module image: the kernel refuses it, the attempt is the event.
static int do_module(void) {
  static const char image[64] = "not an ELF module";
  if (syscall(SYS_init_module, image, sizeof(image), "ksight=1") == 0) return 1;
  return 0;
}

static int do_storm_open(long n) {
  for (long i = 0; i < n; i++) {
    int fd = openat(AT_FDCWD, "/etc/hostname", O_RDONLY);
    if (fd >= 0) close(fd);
  }
  return 0;
}

static int do_storm_exec(long n) {
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      char* argv[] = {"true", NULL};
      execv("/bin/true", argv);
      _exit(127);
    }
    waitpid(pid, NULL, 0);
  }
  return 0;
}

// Rule triggers (tests/security/rule_triggers_kernel_test.cpp).

// Runs PATH with ARGV0 ARGS... as a child and waits: the parent's name
// (this binary's, or the symlink it ran as) becomes the child's proc.pname.
static int do_spawn(int argc, char** argv) {
  if (argc < 4) return 2;
  pid_t pid = fork();
  if (pid == 0) {
    execv(argv[2], &argv[3]);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// A non-root process whose saved uid is still 0 takes root back: the
// shape of a privilege escalation (setuid(0) by uid 1000 succeeds).
static int do_setuid_up(void) {
  if (setresuid(1000, 1000, 0) != 0) return fail("setresuid");
  if (setuid(0) != 0) return fail("setuid");
  return 0;
}

static int do_connect_to(const char* ip, int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (s < 0 || inet_pton(AF_INET, ip, &a.sin_addr) != 1) return fail("socket/address");
  if (connect(s, (struct sockaddr*)&a, sizeof(a)) == 0) return 0;
  return errno == ECONNREFUSED ? 0 : fail("connect");
}

static int do_connect_many(int port, long n) {
  for (long i = 0; i < n; i++) {
    if (do_connect_to("127.0.0.1", port) != 0) return 1;
  }
  return 0;
}

static int do_connect_unix(const char* path) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, path, sizeof(a.sun_path) - 1);
  if (s < 0) return fail("socket");
  connect(s, (struct sockaddr*)&a, sizeof(a));  // the attempt is the event
  return 0;
}

static int do_truncate(const char* path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return fail("open O_TRUNC");
  close(fd);
  return 0;
}

static int do_unlink(const char* path) {
  int fd = open(path, O_WRONLY | O_CREAT, 0600);
  if (fd < 0) return fail("create");
  close(fd);
  return unlink(path) == 0 ? 0 : fail("unlink");
}

static int do_chmod(const char* path, const char* mode) {
  int fd = open(path, O_WRONLY | O_CREAT, 0600);
  if (fd < 0) return fail("create");
  close(fd);
  return chmod(path, (mode_t)strtol(mode, NULL, 8)) == 0 ? 0 : fail("chmod");
}

int main(int argc, char** argv) {
  const char* action = argc > 1 ? argv[1] : "";
  const char* arg = argc > 2 ? argv[2] : "";
  if (!strcmp(action, "exec")) return do_exec();
  if (!strcmp(action, "exec-missing")) return do_exec_missing();
  if (!strcmp(action, "open")) return do_open(arg);
  if (!strcmp(action, "read")) return do_read(arg);
  if (!strcmp(action, "open-rel")) return do_open_rel(arg);
  if (!strcmp(action, "connect")) return do_connect(atoi(arg));
  if (!strcmp(action, "ptrace")) return do_ptrace();
  if (!strcmp(action, "setuid")) return do_setuid();
  if (!strcmp(action, "memfd")) return do_memfd();
  if (!strcmp(action, "dup")) return do_dup();
  if (!strcmp(action, "kill")) return do_kill();
  if (!strcmp(action, "mount")) return do_mount(arg);
  if (!strcmp(action, "fileops")) return do_fileops(arg);
  if (!strcmp(action, "bpf")) return do_bpf();
  if (!strcmp(action, "module")) return do_module();
  if (!strcmp(action, "storm-open")) return do_storm_open(atol(arg));
  if (!strcmp(action, "storm-exec")) return do_storm_exec(atol(arg));
  const char* arg2 = argc > 3 ? argv[3] : "";
  if (!strcmp(action, "spawn")) return do_spawn(argc, argv);
  if (!strcmp(action, "setuid-up")) return do_setuid_up();
  if (!strcmp(action, "connect-to")) return do_connect_to(arg, atoi(arg2));
  if (!strcmp(action, "connect-many")) return do_connect_many(atoi(arg), atol(arg2));
  if (!strcmp(action, "connect-unix")) return do_connect_unix(arg);
  if (!strcmp(action, "truncate")) return do_truncate(arg);
  if (!strcmp(action, "unlink")) return do_unlink(arg);
  if (!strcmp(action, "chmod")) return do_chmod(arg, arg2);
  fprintf(stderr, "usage: security_trigger <action> [arg]\n");
  return 2;
}
