// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle for the agent's process table: fork (new thread groups
 * only), exec (with the filename) and exit (of the whole group).
 *
 * Why sched_process_* through raw_tp: they fire once per lifecycle step for
 * every task, in the task's own context for exec and exit, and the raw form
 * hands us the task_struct pointers (child start time, parent tgid) that the
 * tp/ format strings leave out. raw_tp needs neither tracefs nor trampolines.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "process.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* resized by user space before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_PROCESS_LOST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(void)
{
	__u32 key = KSIGHT_PROCESS_LOST_RINGBUF;
	__u64 *n = bpf_map_lookup_elem(&lost, &key);

	if (n)
		*n += 1;
}

static __always_inline struct ksight_process_event *reserve(__u32 type, struct task_struct *task)
{
	struct ksight_process_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return NULL;
	}
	e->header.timestamp_ns = bpf_ktime_get_boot_ns();
	e->header.type = type;
	e->header.size = sizeof(*e);
	e->header.pid = BPF_CORE_READ(task, tgid);
	e->header.tid = BPF_CORE_READ(task, pid);
	e->header.cgroup_id = bpf_get_current_cgroup_id();
	BPF_CORE_READ_STR_INTO(&e->header.comm, task, comm);
	e->start_boottime_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = BPF_CORE_READ(task, cred, uid.val);
	e->gid = BPF_CORE_READ(task, cred, gid.val);
	e->exit_code = 0;
	e->filename[0] = 0;
	return e;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct ksight_process_event *e;

	/* New threads share the process: only a new thread group is news. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	e = reserve(KSIGHT_EVENT_PROCESS_FORK, child);
	if (!e)
		return 0;
	e->ppid = BPF_CORE_READ(parent, tgid);
	e->start_boottime_ns = BPF_CORE_READ(child, start_boottime);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ksight_process_event *e = reserve(KSIGHT_EVENT_PROCESS_EXEC, task);
	const char *filename;

	if (!e)
		return 0;
	filename = BPF_CORE_READ(bprm, filename);
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(process_exit, struct task_struct *task)
{
	struct ksight_process_event *e;

	/* signal->live drops to 0 (before this tracepoint) when the last
	 * thread of the group exits: that is the process exit. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	e = reserve(KSIGHT_EVENT_PROCESS_EXIT, task);
	if (!e)
		return 0;
	e->exit_code = BPF_CORE_READ(task, exit_code);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
