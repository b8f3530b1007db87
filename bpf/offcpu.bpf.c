// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Off-CPU time by stack, aggregated in the kernel (the design of BCC's
 * offcputime): when a task is switched out, its stacks are taken (it is still
 * `current`, so bpf_get_stackid sees the stack it blocked in) and the time
 * noted; when it is switched back in, the interval is added to the
 * (process, stacks) key if it lasted at least min_ns.
 *
 * Why sched_switch: it is the one point every blocking path goes through
 * (__schedule → trace_sched_switch), with both the outgoing and the
 * incoming task. tp_btf gives typed task pointers; raw_tp is the twin for
 * kernels without tp_btf, chosen by the loader via kernel_features().
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "offcpu.h"

const volatile __u64 min_ns = 1000000; /* shorter intervals are ignored */
const volatile __u32 target_tgid = 0;  /* 0: every process */
const volatile bool user_stacks = true;
const volatile bool kernel_stacks = true;

struct start_info {
	__u64 ts;
	struct ksight_offcpu_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSIGHT_OFFCPU_THREADS);
	__type(key, __u32);
	__type(value, struct start_info);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, KSIGHT_OFFCPU_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, KSIGHT_OFFCPU_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSIGHT_OFFCPU_KEYS);
	__type(key, struct ksight_offcpu_key);
	__type(value, struct ksight_offcpu_value);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_OFFCPU_LOSS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&lost, &reason);
	if (v)
		(*v)++;
}

static __always_inline bool wanted(__u32 tgid, __u32 pid)
{
	if (pid == 0) /* idle */
		return false;
	return target_tgid == 0 || tgid == target_tgid;
}

static __always_inline void switch_out(void *ctx, struct task_struct *prev)
{
	__u32 pid = BPF_CORE_READ(prev, pid);
	__u32 tgid = BPF_CORE_READ(prev, tgid);
	if (!wanted(tgid, pid))
		return;
	struct start_info info = {};
	info.ts = bpf_ktime_get_ns();
	info.key.tgid = tgid;
	/* prev is current here: the helpers below read its stacks and comm. */
	bpf_get_current_comm(info.key.comm, sizeof(info.key.comm));
	info.key.kernel_stack_id = kernel_stacks ? bpf_get_stackid(ctx, &stacks, 0) : -1;
	info.key.user_stack_id = user_stacks ? bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK) : -1;
	if (info.key.kernel_stack_id < 0 && info.key.user_stack_id < 0)
		count_lost(KSIGHT_OFFCPU_LOSS_STACK);
	if (bpf_map_update_elem(&start, &pid, &info, BPF_ANY))
		count_lost(KSIGHT_OFFCPU_LOSS_START_FULL);
}

static __always_inline void switch_in(struct task_struct *next)
{
	__u32 pid = BPF_CORE_READ(next, pid);
	struct start_info *info = bpf_map_lookup_elem(&start, &pid);
	if (!info)
		return;
	__u64 delta = bpf_ktime_get_ns() - info->ts;
	struct ksight_offcpu_key key = info->key;
	bpf_map_delete_elem(&start, &pid);
	if (delta < min_ns)
		return;
	struct ksight_offcpu_value *v = bpf_map_lookup_elem(&counts, &key);
	if (!v) {
		struct ksight_offcpu_value zero = {};
		bpf_map_update_elem(&counts, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&counts, &key);
		if (!v) {
			count_lost(KSIGHT_OFFCPU_LOSS_KEYS_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->total_ns, delta);
	__sync_fetch_and_add(&v->count, 1);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	switch_out(ctx, prev);
	switch_in(next);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(offcpu_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	switch_out(ctx, prev);
	switch_in(next);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
