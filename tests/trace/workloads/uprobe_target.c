// uprobe_target N MS: calls ksight_target_sleep(MS) N times; the function
// sleeps MS milliseconds and returns MS * 2, so latency and retval are known.
// ksight_target_next(i) runs once per call too, for uprobe wildcards.
// A USDT probe (ksight:tick) fires once per call; the note is emitted by hand
// in the documented .note.stapsdt layout (no sys/sdt.h on these machines).
#include <stdlib.h>
#include <time.h>

#define KSIGHT_USDT(provider, name)                                           \
  __asm__ __volatile__(                                                       \
      "990: nop\n"                                                            \
      ".pushsection .note.stapsdt,\"?\",\"note\"\n"                           \
      ".balign 4\n"                                                           \
      ".4byte 992f-991f, 994f-993f, 3\n"                                      \
      "991: .asciz \"stapsdt\"\n"                                             \
      "992: .balign 4\n"                                                      \
      "993: .8byte 990b\n"                                                    \
      ".8byte _.stapsdt.base\n"                                               \
      ".8byte 0\n"                                                            \
      ".asciz \"" #provider                                                   \
      "\"\n"                                                                  \
      ".asciz \"" #name                                                       \
      "\"\n"                                                                  \
      ".asciz \"\"\n"                                                         \
      "994: .balign 4\n"                                                      \
      ".popsection\n"                                                         \
      ".ifndef _.stapsdt.base\n"                                              \
      ".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
      ".weak _.stapsdt.base\n"                                                \
      ".hidden _.stapsdt.base\n"                                              \
      "_.stapsdt.base: .space 1\n"                                            \
      ".size _.stapsdt.base, 1\n"                                             \
      ".popsection\n"                                                         \
      ".endif\n")

__attribute__((noinline)) int ksight_target_sleep(int ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
  KSIGHT_USDT(ksight, tick);
  return ms * 2;
}

__attribute__((noinline)) int ksight_target_next(int i) {
  __asm__ __volatile__("" ::: "memory");  // keep the call
  return i + 1;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  int ms = argc > 2 ? atoi(argv[2]) : 10;
  int sum = 0;
  for (int i = 0; i < n; i = ksight_target_next(i)) sum += ksight_target_sleep(ms);
  return sum == n * ms * 2 ? 0 : 1;
}
