// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Function spans: entry and return times of configured user-space
 * functions, one uprobe/uretprobe pair per {binary, symbol} (the attach
 * cookie says which), so that src/otel can make INTERNAL spans of them.
 *
 * Why uprobes: the only way to see an arbitrary function of an
 * uninstrumented binary (USDT needs the binary's cooperation).
 *
 * Entry pushes {entry time, stack pointer, cookie} on a small per-thread
 * stack; return pops it. The stack pointer pairs a return with its entry
 * even when returns are lost (longjmp, exceptions unwinding through the
 * function, a thread killed mid-call): frames deeper than the returning
 * one (lower stack pointer) were abandoned and are counted as lost
 * returns. Recursion nests naturally; beyond MAX_DEPTH calls are counted,
 * not timed. The per-thread stacks live in an LRU map, so dead threads
 * cost nothing for long.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "funcspan.h"

#if defined(__TARGET_ARCH_x86)
/* `ret` popped the return address: sp at return = sp at entry + 8. */
#define RET_SP_DELTA 8
#else
#define RET_SP_DELTA 0
#endif

struct frame {
	__u64 start_ns;
	__u64 sp;
	__u64 cookie;
};

/* Wake the consumer only once this much is pending: a traced function may
 * run 10^5 times a second, and a wakeup per span costs more than the span.
 * The agent drains on its collect timer, so spans wait at most that. */
const volatile __u64 wakeup_bytes = 64 << 10;

struct thread_calls {
	__u32 depth;
	__u32 pad;
	struct frame frames[KSIGHT_FUNCSPAN_MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KSIGHT_FUNCSPAN_THREADS);
	__type(key, __u32);
	__type(value, struct thread_calls);
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_FUNCSPAN_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static const struct thread_calls empty_calls;

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

SEC("uprobe")
int func_entry(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct thread_calls *tc = bpf_map_lookup_elem(&calls, &tid);
	__u32 d;

	if (!tc) {
		bpf_map_update_elem(&calls, &tid, &empty_calls, BPF_NOEXIST);
		tc = bpf_map_lookup_elem(&calls, &tid);
		if (!tc)
			return 0;
	}
	d = tc->depth;
	if (d >= KSIGHT_FUNCSPAN_MAX_DEPTH) {
		count(KSIGHT_FUNCSPAN_TOO_DEEP);
		return 0;
	}
	tc->frames[d].start_ns = bpf_ktime_get_boot_ns();
	tc->frames[d].sp = PT_REGS_SP(ctx);
	tc->frames[d].cookie = bpf_get_attach_cookie(ctx);
	tc->depth = d + 1;
	return 0;
}

static __always_inline void emit(const struct frame *f, __u32 depth, __u64 now)
{
	struct ksight_funcspan_event *e;
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(KSIGHT_FUNCSPAN_LOST_RINGBUF);
		return;
	}
	e->header.timestamp_ns = now;
	e->header.type = KSIGHT_EVENT_FUNC_SPAN;
	e->header.size = sizeof(*e);
	e->header.pid = pid_tgid >> 32;
	e->header.tid = (__u32)pid_tgid;
	e->header.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(&e->header.comm, sizeof(e->header.comm));
	e->start_ns = f->start_ns;
	e->cookie = f->cookie;
	e->depth = depth;
	e->pad = 0;
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes
				  ? BPF_RB_FORCE_WAKEUP
				  : BPF_RB_NO_WAKEUP);
	count(KSIGHT_FUNCSPAN_EVENTS);
}

SEC("uretprobe")
int func_return(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 entry_sp = PT_REGS_SP(ctx) - RET_SP_DELTA;
	__u64 cookie = bpf_get_attach_cookie(ctx);
	struct thread_calls *tc = bpf_map_lookup_elem(&calls, &tid);
	struct frame *f;
	__u32 d;

	if (!tc)
		goto unmatched;
	for (int i = 0; i < KSIGHT_FUNCSPAN_MAX_DEPTH; i++) {
		d = tc->depth;
		if (d == 0 || d > KSIGHT_FUNCSPAN_MAX_DEPTH)
			goto unmatched;
		f = &tc->frames[d - 1];
		if (f->sp >= entry_sp)
			break;
		/* A deeper call never returned: its frame is gone. */
		tc->depth = d - 1;
		count(KSIGHT_FUNCSPAN_LOST_RETURN);
	}
	d = tc->depth;
	if (d == 0 || d > KSIGHT_FUNCSPAN_MAX_DEPTH)
		goto unmatched;
	f = &tc->frames[d - 1];
	/* sp above ours: the entry of this call was not recorded (too deep,
	 * or the probe was attached while the call was running). */
	if (f->sp != entry_sp || f->cookie != cookie)
		goto unmatched;
	tc->depth = d - 1;
	emit(f, d - 1, now);
	return 0;
unmatched:
	count(KSIGHT_FUNCSPAN_UNMATCHED);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
