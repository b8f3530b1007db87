// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel allocations by kernel stack and process, sampled by bytes the way
 * tcmalloc and Go sample the heap (and bpf/ualloc.bpf.c user allocations):
 * each CPU counts down the bytes to its next sample, drawn from Exp(mean =
 * rate), so an allocation not sampled costs a per-CPU lookup and a
 * subtraction. A sampled one goes to the ring buffer with its kernel stack
 * inline (no shared stack map to fill or collide) and its pointer is
 * remembered in `live`, so that kfree / kmem_cache_free of it can be seen:
 * user space counts as in use the samples whose pointer (and timestamp) is
 * still in `live` when it drains.
 *
 * Why the kmem:* tracepoints: they fire inside the slab allocator for every
 * caller (kmalloc → __kmalloc_noprof → trace_kmalloc, large kmallocs
 * included) with the pointer and the bytes really allocated, and `current`
 * is the allocating task, so bpf_get_stack gives the kernel path that asked
 * for the memory. Recursion (an allocation traced from inside this program)
 * is refused by the kernel's per-CPU bpf_prog_active guard, which also makes
 * the per-CPU countdown safe without atomics.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "alloc.h"

const volatile __u32 target_tgid = 0; /* 0: every process */
/* Quantile edges of Exp(mean = rate); all 0 samples every allocation. */
const volatile __u64 exp_edges[KSIGHT_ALLOC_EXP_BINS + 1] = {};
/* Wake the reader only once this much is pending: a wakeup per sample is an
 * irq_work per sampled allocation. Readers also poll on a timer. */
const volatile __u64 wakeup_bytes = 64 << 10;

struct countdown {
	__u64 left;  /* bytes until the next sample on this CPU */
	__u64 armed; /* left was drawn (a fresh CPU slot is all zero) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct countdown);
} countdowns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* user space resizes it before load */
} samples SEC(".maps");

/* Sampled pointer → timestamp of its sample. A plain (preallocated) hash,
 * not LRU: a full map is counted, never silently evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSIGHT_ALLOC_LIVE);
	__type(key, __u64);
	__type(value, __u64);
} live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_ALLOC_LOSS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&lost, &reason);
	if (v)
		(*v)++;
}

static __always_inline void record(void *ctx, __u64 ptr, __u64 bytes)
{
	struct ksight_alloc_sample *s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
	if (!s) {
		count_lost(KSIGHT_ALLOC_LOSS_RINGBUF_FULL);
		return;
	}
	__u64 id = bpf_get_current_pid_tgid();
	s->hdr.timestamp_ns = bpf_ktime_get_boot_ns();
	s->hdr.type = KSIGHT_EVENT_KALLOC_SAMPLE;
	s->hdr.size = sizeof(*s);
	s->hdr.pid = id >> 32;
	s->hdr.tid = (__u32)id;
	s->hdr.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(s->hdr.comm, sizeof(s->hdr.comm));
	s->ptr = ptr;
	s->size = bytes;
	s->flags = 0;
	long n = bpf_get_stack(ctx, s->stack, sizeof(s->stack), 0);
	s->stack_depth = n < 0 ? (__s32)n : (__s32)(n / sizeof(__u64));
	if (n < 0)
		count_lost(KSIGHT_ALLOC_LOSS_STACK);
	/* Before the submit: once user space has read this record, a pointer
	 * missing from `live` really means freed. */
	if (bpf_map_update_elem(&live, &ptr, &s->hdr.timestamp_ns, BPF_ANY)) {
		s->flags |= KSIGHT_ALLOC_UNTRACKED;
		count_lost(KSIGHT_ALLOC_LOSS_LIVE_FULL);
	}
	bpf_ringbuf_submit(s, bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA) >= wakeup_bytes
				  ? BPF_RB_FORCE_WAKEUP
				  : BPF_RB_NO_WAKEUP);
}

static __always_inline void on_alloc(void *ctx, const void *ptr, __u64 bytes)
{
	if (!ptr || !bytes)
		return;
	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return;
	__u32 zero = 0;
	struct countdown *c = bpf_map_lookup_elem(&countdowns, &zero);
	if (!c)
		return;
	if (!c->armed) {
		c->left = ksight_exp_draw(exp_edges);
		c->armed = 1;
	}
	if (bytes < c->left) {
		c->left -= bytes;
		return;
	}
	c->left = ksight_exp_draw(exp_edges);
	record(ctx, (__u64)ptr, bytes);
}

/* Only sampled pointers are in the map: nearly every free is one lock-free
 * lookup that misses (a delete would take the bucket lock every time). */
static __always_inline void on_free(const void *ptr)
{
	__u64 key = (__u64)ptr;
	if (key && bpf_map_lookup_elem(&live, &key))
		bpf_map_delete_elem(&live, &key);
}

SEC("tp/kmem/kmalloc")
int alloc_kmalloc(struct trace_event_raw_kmalloc *ctx)
{
	on_alloc(ctx, BPF_CORE_READ(ctx, ptr), BPF_CORE_READ(ctx, bytes_alloc));
	return 0;
}

SEC("tp/kmem/kmem_cache_alloc")
int alloc_cache_alloc(struct trace_event_raw_kmem_cache_alloc *ctx)
{
	on_alloc(ctx, BPF_CORE_READ(ctx, ptr), BPF_CORE_READ(ctx, bytes_alloc));
	return 0;
}

SEC("tp/kmem/kfree")
int alloc_kfree(struct trace_event_raw_kfree *ctx)
{
	on_free(BPF_CORE_READ(ctx, ptr));
	return 0;
}

SEC("tp/kmem/kmem_cache_free")
int alloc_cache_free(struct trace_event_raw_kmem_cache_free *ctx)
{
	on_free(BPF_CORE_READ(ctx, ptr));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
