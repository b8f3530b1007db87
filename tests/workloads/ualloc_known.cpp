// Allocates known byte counts from known functions, for the user allocation
// profiler (issue 8): ksight_alloc_big mallocs 256 MiB in 64 KiB chunks, each
// freed at once; ksight_alloc_small takes 64 MiB from operator new in
// 256-byte chunks kept until exit; the other entry points: ksight_calloc_kept
// callocs 32 MiB (512 x 256 x 256 B) kept, ksight_realloc_grow mallocs 16 KiB,
// reallocs it to 64 KiB and frees it 1024 times (80 MiB allocated, none
// kept), ksight_memalign takes 64 MiB of 16 KiB posix_memalign blocks, freed.
// Prints "ready", waits for SIGUSR1 (the
// profiler is attached), allocates, prints "done", waits for SIGUSR1 again
// (inuse is read while alive) and exits. `--no-wait` skips both waits.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <new>

namespace {

constexpr size_t kBigChunk = 64 * 1024;
constexpr size_t kBigTotal = 256u << 20;
constexpr size_t kSmallChunk = 256;
constexpr size_t kSmallTotal = 64u << 20;
constexpr size_t kSmallCount = kSmallTotal / kSmallChunk;

void* kept[kSmallCount];

void wait_for_usr1() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  int sig = 0;
  sigwait(&set, &sig);
}

}  // namespace

// The compiler must not pair malloc with free and drop both: the pointer
// escapes into an empty asm.
extern "C" __attribute__((noinline)) void ksight_alloc_big(void) {
  for (size_t i = 0; i < kBigTotal / kBigChunk; ++i) {
    char* p = static_cast<char*>(malloc(kBigChunk));
    if (!p) abort();
    p[0] = 1;
    asm volatile("" : : "r"(p) : "memory");
    free(p);
  }
}

extern "C" __attribute__((noinline)) void ksight_alloc_small(void) {
  for (size_t i = 0; i < kSmallCount; ++i) kept[i] = ::operator new(kSmallChunk);
  asm volatile("" : : "r"(kept) : "memory");
}

extern "C" __attribute__((noinline)) void ksight_calloc_kept(void) {
  static void* blocks[512];
  for (auto& b : blocks) b = calloc(256, 256);
  asm volatile("" : : "r"(blocks) : "memory");
}

extern "C" __attribute__((noinline)) void ksight_realloc_grow(void) {
  for (int i = 0; i < 1024; ++i) {
    char* p = static_cast<char*>(malloc(16 * 1024));
    asm volatile("" : : "r"(p) : "memory");
    p = static_cast<char*>(realloc(p, 64 * 1024));
    asm volatile("" : : "r"(p) : "memory");
    free(p);
  }
}

extern "C" __attribute__((noinline)) void ksight_memalign(void) {
  for (int i = 0; i < 4096; ++i) {
    void* p = nullptr;
    if (posix_memalign(&p, 4096, 16 * 1024) != 0) abort();
    asm volatile("" : : "r"(p) : "memory");
    free(p);
  }
}

int main(int argc, char** argv) {
  bool wait = !(argc > 1 && strcmp(argv[1], "--no-wait") == 0);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);  // delivered to sigwait only
  printf("ready\n");
  fflush(stdout);
  if (wait) wait_for_usr1();
  ksight_alloc_big();
  ksight_alloc_small();
  ksight_calloc_kept();
  ksight_realloc_grow();
  ksight_memalign();
  printf("done\n");
  fflush(stdout);
  if (wait) wait_for_usr1();
  return 0;
}
