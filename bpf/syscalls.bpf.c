// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Syscall counts per (process, syscall) and log2 latency per syscall,
 * aggregated in kernel maps: nothing is streamed per syscall, user space
 * reads the maps on its collect interval.
 *
 * Why raw_syscalls via raw_tp: one hook covers every syscall (the per-syscall
 * syscalls:sys_enter_* tracepoints would need ~700 attachments), and a raw
 * tracepoint skips the perf trace-buffer copy a tp/ program pays on every
 * call. The latency twin uses sys_exit; it can be switched off (latency
 * rodata) when only counts are wanted, halving the cost.
 * Two twins: tp_btf keeps the entry timestamp in task local storage (cheap);
 * raw_tp falls back to an LRU hash keyed by tid where tp_btf is refused.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "syscalls.h"

const volatile bool measure_latency = true;
const volatile __u32 ignore_tgid = 0; /* e.g. the agent itself; 0: none */
/* Time 1 syscall in (mask + 1), at random; user space scales the histogram. */
const volatile __u32 latency_sample_mask = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSIGHT_SYSCALL_COUNT_ENTRIES);
	__type(key, struct ksight_syscall_key);
	__type(value, __u64);
} counts SEC(".maps");

/* LRU: a thread that dies inside a syscall leaves its entry to be recycled. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KSIGHT_SYSCALL_START_ENTRIES);
	__type(key, __u32);
	__type(value, struct ksight_syscall_start);
} start SEC(".maps");

/* tp_btf twin: the entry timestamp lives in the task itself (task local
 * storage), a pointer chase instead of a hash update per syscall. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ksight_syscall_start);
} task_start SEC(".maps");

/* hist[nr * SLOTS + slot]; per-CPU so the hot path needs no atomics. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_SYSCALL_MAX_NR *KSIGHT_SYSCALL_HIST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

/* Sum of durations in ns per syscall nr (the histogram's _sum). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_SYSCALL_MAX_NR);
	__type(key, __u32);
	__type(value, __u64);
} hist_sum SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_SYSCALL_LOST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &reason);

	if (n)
		*n += 1;
}

/* Whether this syscall is one of the timed sample. Random, not every Nth:
 * a loop alternating two syscalls would otherwise always hit the same one. */
static __always_inline bool sampled(void)
{
	if (!measure_latency)
		return false;
	return (bpf_get_prandom_u32() & latency_sample_mask) == 0;
}

static __always_inline __u32 clamp_nr(long id)
{
	if (id < 0 || id >= KSIGHT_SYSCALL_MAX_NR)
		return KSIGHT_SYSCALL_MAX_NR - 1;
	return (__u32)id;
}

static __always_inline void count_call(__u32 tgid, __u32 nr)
{
	struct ksight_syscall_key key = {.tgid = tgid, .nr = nr};
	__u64 one = 1, *n;

	n = bpf_map_lookup_elem(&counts, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST) == 0)
		return;
	n = bpf_map_lookup_elem(&counts, &key); /* lost a race with another CPU */
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		count_lost(KSIGHT_SYSCALL_LOST_COUNTS_FULL);
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;

	/* Unrolled binary search: no loops for the verifier. */
	if (v >= (1ULL << 16)) {
		v >>= 16;
		slot += 16;
	}
	if (v >= (1ULL << 8)) {
		v >>= 8;
		slot += 8;
	}
	if (v >= (1ULL << 4)) {
		v >>= 4;
		slot += 4;
	}
	if (v >= (1ULL << 2)) {
		v >>= 2;
		slot += 2;
	}
	if (v >= (1ULL << 1)) {
		slot += 1;
	}
	return slot;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	__u32 nr = clamp_nr(id);

	if (ignore_tgid && tgid == ignore_tgid)
		return 0;
	count_call(tgid, nr);
	if (sampled()) {
		struct ksight_syscall_start s = {.ts_ns = bpf_ktime_get_ns(), .nr = nr};

		if (bpf_map_update_elem(&start, &tid, &s, BPF_ANY))
			count_lost(KSIGHT_SYSCALL_LOST_START_FULL);
	}
	return 0;
}

static __always_inline void account_exit(struct ksight_syscall_start *s)
{
	__u64 delta, *n;
	__u32 idx, nr;

	if (!s || !s->ts_ns)
		return;
	delta = bpf_ktime_get_ns() - s->ts_ns;
	nr = s->nr;
	s->ts_ns = 0; /* consumed: a stale entry never yields a second sample */
	if (nr >= KSIGHT_SYSCALL_MAX_NR)
		return;
	idx = nr * KSIGHT_SYSCALL_HIST_SLOTS + log2_slot(delta);
	n = bpf_map_lookup_elem(&hist, &idx);
	if (n)
		*n += 1;
	n = bpf_map_lookup_elem(&hist_sum, &nr);
	if (n)
		*n += delta;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	account_exit(bpf_map_lookup_elem(&start, &tid));
	return 0;
}

/* Preferred where tp_btf loads (BTF-typed raw tracepoints, 5.5+; task
 * storage for tracing programs, 5.11+); user space keeps one twin pair. */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	__u32 nr = clamp_nr(id);
	struct ksight_syscall_start *s;

	if (ignore_tgid && tgid == ignore_tgid)
		return 0;
	count_call(tgid, nr);
	if (!sampled())
		return 0;
	s = bpf_task_storage_get(&task_start, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		count_lost(KSIGHT_SYSCALL_LOST_START_FULL);
		return 0;
	}
	s->ts_ns = bpf_ktime_get_ns();
	s->nr = nr;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	account_exit(bpf_task_storage_get(&task_start, bpf_get_current_task_btf(), 0, 0));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
