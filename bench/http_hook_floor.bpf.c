// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Empty programs on the two tracepoints bpf/http.bpf.c captures from: what
 * the kernel's tracepoint → BPF dispatch costs a server by itself, with
 * nothing done in it (bench/http_hook_floor, FLOOR=1 in http_overhead.sh).
 */
#include "vmlinux.h"  // first: the BPF headers use its types

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sock_recv_length")
int BPF_PROG(empty_recv, struct sock* sk, int ret, int flags) {
  return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(empty_send, struct sock* sk, int ret, int flags) {
  return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
