// The HTTP capture's kernel cost in parts, for bench/http_overhead.sh FLOOR=1:
//   http_hook_floor empty    empty programs on sock:sock_{recv,send}_length
//                            (bench/http_hook_floor.bpf.c): the dispatch alone
//   http_hook_floor capture  the agent's own bpf/http.bpf.c sock path, its
//                            records drained by a consumer that only counts
//                            them: the capture without any user-space work
// Prints "attached" once the programs are live, runs until SIGINT/SIGTERM,
// then prints how many records it consumed and how many the kernel lost.
#include <bpf/libbpf.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "http.h"
#include "http.skel.h"
#include "http_hook_floor.skel.h"

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

void wait_for_signal() {
  std::printf("attached\n");
  std::fflush(stdout);
  while (!g_stop) pause();
}

int run_empty() {
  http_hook_floor_bpf* skel = http_hook_floor_bpf__open_and_load();
  if (!skel || http_hook_floor_bpf__attach(skel)) {
    std::fprintf(stderr, "http_hook_floor: cannot load or attach the empty programs\n");
    return 1;
  }
  wait_for_signal();
  http_hook_floor_bpf__destroy(skel);
  return 0;
}

int count_record(void* ctx, void*, size_t) {
  ++*static_cast<unsigned long*>(ctx);
  return 0;
}

int run_capture() {
  http_bpf* skel = http_bpf__open();
  if (!skel) return 1;
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel->obj) {
    bpf_program__set_autoload(prog, prog == skel->progs.sock_recv || prog == skel->progs.sock_send);
  }
  bpf_map__set_max_entries(skel->maps.conns, 1);
  skel->rodata->self_tgid = static_cast<__u32>(getpid());
  if (http_bpf__load(skel) || http_bpf__attach(skel)) {
    std::fprintf(stderr, "http_hook_floor: cannot load or attach bpf/http.bpf.c's sock programs\n");
    http_bpf__destroy(skel);
    return 1;
  }
  unsigned long records = 0;
  ring_buffer* rb =
      ring_buffer__new(bpf_map__fd(skel->maps.events), count_record, &records, nullptr);
  std::printf("attached\n");
  std::fflush(stdout);
  // A poll that times out consumes nothing: drain then too, as the agent
  // does on its collect timer, so a missed wakeup cannot stall the ring.
  while (!g_stop && rb) {
    if (ring_buffer__poll(rb, 100) == 0) ring_buffer__consume(rb);
  }
  if (rb) ring_buffer__consume(rb);
  unsigned long lost = 0;
  __u32 key = KSIGHT_HTTP_LOST_RINGBUF;
  int ncpu = libbpf_num_possible_cpus();
  std::vector<__u64> per_cpu(ncpu > 0 ? ncpu : 0);
  if (!per_cpu.empty() &&
      bpf_map__lookup_elem(skel->maps.counters, &key, sizeof(key), per_cpu.data(),
                           per_cpu.size() * sizeof(__u64), 0) == 0) {
    for (__u64 v : per_cpu) lost += v;
  }
  std::printf("records %lu lost %lu\n", records, lost);
  ring_buffer__free(rb);
  http_bpf__destroy(skel);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (argc == 2 && std::strcmp(argv[1], "empty") == 0) return run_empty();
  if (argc == 2 && std::strcmp(argv[1], "capture") == 0) return run_capture();
  std::fprintf(stderr, "usage: %s empty|capture\n", argv[0]);
  return 2;
}
