// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Slow syscalls of the processes that serve HTTP, as spans under their
 * request (src/otel via src/agent/function_span_source).
 *
 * Why raw_syscalls via raw_tp: one hook pair covers every syscall, typed
 * args are not needed (the number and the return value are), and raw_tp
 * loads where tp_btf is refused. The cost stays a hash lookup per syscall
 * for processes outside `pids`, and nothing reaches the ring buffer unless
 * the syscall took at least threshold_ns.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "slowsys.h"

const volatile __u64 threshold_ns = 10 * 1000 * 1000;

struct start {
	__u64 ts_ns;
	__u32 nr;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSIGHT_SLOWSYS_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KSIGHT_SLOWSYS_THREADS);
	__type(key, __u32);
	__type(value, struct start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_SLOWSYS_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(slowsys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct start s = {};

	if (!bpf_map_lookup_elem(&pids, &tgid))
		return 0;
	s.ts_ns = bpf_ktime_get_boot_ns();
	s.nr = (__u32)id;
	bpf_map_update_elem(&starts, &tid, &s, BPF_ANY);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(slowsys_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct start *s = bpf_map_lookup_elem(&starts, &tid);
	struct ksight_slowsys_event *e;
	__u64 now, start;
	__u32 nr;

	if (!s)
		return 0;
	start = s->ts_ns;
	nr = s->nr;
	bpf_map_delete_elem(&starts, &tid);
	now = bpf_ktime_get_boot_ns();
	if (now - start < threshold_ns)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(KSIGHT_SLOWSYS_LOST_RINGBUF);
		return 0;
	}
	e->header.timestamp_ns = now;
	e->header.type = KSIGHT_EVENT_SLOW_SYSCALL;
	e->header.size = sizeof(*e);
	e->header.pid = pid_tgid >> 32;
	e->header.tid = tid;
	e->header.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(&e->header.comm, sizeof(e->header.comm));
	e->start_ns = start;
	e->ret = ret;
	e->nr = nr;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	count(KSIGHT_SLOWSYS_EVENTS);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
