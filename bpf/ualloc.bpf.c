// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * User-space allocations of chosen processes, sampled by bytes the way
 * tcmalloc, jemalloc and Go do it: each thread counts down the bytes to its
 * next sample, drawn from an exponential distribution with mean `rate`, so on
 * average one sample per `rate` bytes and the cost per allocation stays a
 * subtraction. A sampled allocation takes its user stack (frame pointers:
 * bpf_get_stackid with BPF_F_USER_STACK; since Linux 6.11 the caller of a
 * function-entry uprobe is included, read from [sp]) and remembers
 * pointer → key so that free() can mark it freed (inuse = allocs - frees).
 *
 * Why uprobes on the allocator's exported symbols (malloc, calloc, realloc,
 * aligned_alloc, posix_memalign, free, operator new/delete): every caller goes
 * through them, including glibc's own internal calls (they land on the same
 * addresses), so calls nested inside another probed call (operator new →
 * malloc, realloc(NULL) → malloc) are recognised by the stack pointer and
 * skipped: only the outermost call counts.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ksight_exp_sample.h"
#include "ualloc.h"

const volatile __u32 target_tgid = 0; /* 0: every process the probes see */
/* Bin edges of Exp(mean = rate), all 0 to sample every allocation. Filled
 * by user space before load; the last bin is closed at edge + 2 * rate (the
 * tail's mean is edge + rate). */
const volatile __u64 exp_edges[KSIGHT_UALLOC_EXP_BINS + 1] = {};

/* A call in progress on this thread (entry_sp != 0) and its countdown. */
struct thread_state {
	__u64 countdown;
	__u64 entry_sp;
	__u64 entry_ret; /* [sp] at entry: tells a tail call from a missed return */
	__u64 size;
	__u64 old_ptr; /* realloc: freed when the call succeeds */
	__u64 memptr;  /* posix_memalign: where the pointer is returned */
	__u64 caller;  /* [sp] of a sampled call */
	__s32 stack_id;
	__u32 sampled;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KSIGHT_UALLOC_THREADS);
	__type(key, __u32);
	__type(value, struct thread_state);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, KSIGHT_UALLOC_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, KSIGHT_UALLOC_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSIGHT_UALLOC_KEYS);
	__type(key, struct ksight_ualloc_key);
	__type(value, struct ksight_ualloc_value);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSIGHT_UALLOC_LIVE);
	__type(key, struct ksight_ualloc_live_key);
	__type(value, struct ksight_ualloc_key);
} live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_UALLOC_LOSS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&lost, &reason);
	if (v)
		(*v)++;
}

static __always_inline bool wanted(__u32 *tgid)
{
	*tgid = bpf_get_current_pid_tgid() >> 32;
	return !target_tgid || *tgid == target_tgid;
}

static __always_inline struct thread_state *state_for(__u32 tid)
{
	struct thread_state *st = bpf_map_lookup_elem(&threads, &tid);
	if (st)
		return st;
	struct thread_state fresh = {.countdown = ksight_exp_draw(exp_edges)};
	bpf_map_update_elem(&threads, &tid, &fresh, BPF_ANY);
	return bpf_map_lookup_elem(&threads, &tid);
}

/* True when this entry is nested in (or tail-called from) the call in
 * progress; a fresh call at or above the recorded frame means the previous
 * return probe never ran. */
static __always_inline bool nested(struct thread_state *st, __u64 sp, __u64 ret)
{
	if (!st->entry_sp)
		return false;
	if (sp < st->entry_sp || (sp == st->entry_sp && ret != st->entry_ret))
		return true;
	count_lost(KSIGHT_UALLOC_LOSS_MISSED_RET);
	return false;
}

static __always_inline void enter(struct pt_regs *ctx, __u64 size, __u64 old_ptr, __u64 memptr)
{
	__u32 tgid;
	if (!wanted(&tgid))
		return;
	struct thread_state *st = state_for((__u32)bpf_get_current_pid_tgid());
	if (!st)
		return;
	__u64 sp = PT_REGS_SP(ctx), ret = 0;
	bpf_probe_read_user(&ret, sizeof(ret), (void *)sp);
	if (nested(st, sp, ret))
		return;
	st->entry_sp = sp;
	st->entry_ret = ret;
	st->size = size;
	st->old_ptr = old_ptr;
	st->memptr = memptr;
	st->sampled = 0;
	if (size == 0)
		return;
	if (size < st->countdown) {
		st->countdown -= size;
		return;
	}
	st->sampled = 1;
	st->countdown = ksight_exp_draw(exp_edges);
	st->caller = ret;
	st->stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	if (st->stack_id < 0)
		count_lost(KSIGHT_UALLOC_LOSS_STACK);
}

/* The sampled allocation at `ptr` is gone (free, or realloc moved it). */
static __always_inline void forget(__u32 tgid, __u64 ptr)
{
	struct ksight_ualloc_live_key lk = {.tgid = tgid, .ptr = ptr};
	struct ksight_ualloc_key *key = bpf_map_lookup_elem(&live, &lk);
	if (!key)
		return;
	struct ksight_ualloc_value *v = bpf_map_lookup_elem(&counts, key);
	if (v)
		__sync_fetch_and_add(&v->frees, 1);
	bpf_map_delete_elem(&live, &lk);
}

static __always_inline struct ksight_ualloc_value *value_for(struct ksight_ualloc_key *key)
{
	struct ksight_ualloc_value *v = bpf_map_lookup_elem(&counts, key);
	if (v)
		return v;
	struct ksight_ualloc_value zero = {};
	bpf_map_update_elem(&counts, key, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&counts, key);
	if (!v)
		count_lost(KSIGHT_UALLOC_LOSS_KEYS_FULL);
	return v;
}

static __always_inline void record(__u32 tgid, struct thread_state *st, __u64 ptr)
{
	struct ksight_ualloc_key key = {
	    .tgid = tgid, .user_stack_id = st->stack_id, .size = st->size, .caller = st->caller};
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	struct ksight_ualloc_value *v = value_for(&key);
	if (!v)
		return;
	__sync_fetch_and_add(&v->allocs, 1);
	/* A pointer still live here lost its free (an unprobed path). */
	forget(tgid, ptr);
	struct ksight_ualloc_live_key lk = {.tgid = tgid, .ptr = ptr};
	if (bpf_map_update_elem(&live, &lk, &key, BPF_NOEXIST))
		count_lost(KSIGHT_UALLOC_LOSS_LIVE_FULL);
}

static __always_inline void leave(struct pt_regs *ctx)
{
	__u32 tgid;
	if (!wanted(&tgid))
		return;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct thread_state *st = bpf_map_lookup_elem(&threads, &tid);
	/* A return at or below the recorded frame belongs to a nested call. */
	if (!st || !st->entry_sp || PT_REGS_SP(ctx) <= st->entry_sp)
		return;
	st->entry_sp = 0;
	__u64 ptr = PT_REGS_RC(ctx);
	if (st->memptr) {
		__u64 out = 0;
		if ((int)ptr == 0)
			bpf_probe_read_user(&out, sizeof(out), (void *)st->memptr);
		ptr = out;
	}
	if (st->old_ptr && (ptr || st->size == 0))
		forget(tgid, st->old_ptr);
	if (st->sampled && ptr)
		record(tgid, st, ptr);
}

/* malloc(size), operator new(size[, align or nothrow]) */
SEC("uprobe")
int BPF_KPROBE(ualloc_size_entry, __u64 size)
{
	enter(ctx, size, 0, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ualloc_calloc_entry, __u64 nmemb, __u64 size)
{
	enter(ctx, nmemb * size, 0, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ualloc_realloc_entry, void *old, __u64 size)
{
	enter(ctx, size, (__u64)old, 0);
	return 0;
}

/* aligned_alloc(align, size), memalign(align, size) */
SEC("uprobe")
int BPF_KPROBE(ualloc_aligned_entry, __u64 align, __u64 size)
{
	enter(ctx, size, 0, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ualloc_posix_memalign_entry, void **memptr, __u64 align, __u64 size)
{
	enter(ctx, size, 0, (__u64)memptr);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ualloc_return)
{
	leave(ctx);
	return 0;
}

/* free(ptr), operator delete(ptr[, size][, align]) */
SEC("uprobe")
int BPF_KPROBE(ualloc_free_entry, void *ptr)
{
	__u32 tgid;
	if (ptr && wanted(&tgid))
		forget(tgid, (__u64)ptr);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
