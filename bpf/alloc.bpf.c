// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel allocations by kernel stack and process: alloc_space/alloc_objects
 * at every kmalloc / kmem_cache_alloc, and inuse_space by matching kfree /
 * kmem_cache_free on the pointer (an LRU map of outstanding allocations, so
 * long-lived objects eventually age out instead of filling it).
 *
 * Why the kmem:* tracepoints: they fire inside the slab allocator for every
 * caller (kmalloc → __kmalloc_noprof → trace_kmalloc) with the pointer and the
 * bytes really allocated, and `current` is the allocating task, so
 * bpf_get_stackid gives the kernel path that asked for the memory.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "alloc.h"

const volatile __u32 target_tgid = 0; /* 0: every process */

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, KSIGHT_ALLOC_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, KSIGHT_ALLOC_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSIGHT_ALLOC_KEYS);
	__type(key, struct ksight_alloc_key);
	__type(value, struct ksight_alloc_value);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KSIGHT_ALLOC_LIVE);
	__type(key, __u64);
	__type(value, struct ksight_alloc_live);
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

static __always_inline struct ksight_alloc_value *value_for(struct ksight_alloc_key *key)
{
	struct ksight_alloc_value *v = bpf_map_lookup_elem(&counts, key);
	if (v)
		return v;
	struct ksight_alloc_value zero = {};
	bpf_map_update_elem(&counts, key, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&counts, key);
	if (!v)
		count_lost(KSIGHT_ALLOC_LOSS_KEYS_FULL);
	return v;
}

static __always_inline void on_alloc(void *ctx, const void *ptr, __u64 bytes)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	if (!ptr || (target_tgid && tgid != target_tgid))
		return;
	struct ksight_alloc_live rec = {};
	rec.key.tgid = tgid;
	rec.key.kernel_stack_id = bpf_get_stackid(ctx, &stacks, 0);
	if (rec.key.kernel_stack_id < 0)
		count_lost(KSIGHT_ALLOC_LOSS_STACK);
	bpf_get_current_comm(rec.key.comm, sizeof(rec.key.comm));
	rec.bytes = bytes;
	struct ksight_alloc_value *v = value_for(&rec.key);
	if (!v)
		return;
	__sync_fetch_and_add(&v->alloc_bytes, bytes);
	__sync_fetch_and_add(&v->alloc_objects, 1);
	__sync_fetch_and_add(&v->inuse_bytes, bytes);
	__sync_fetch_and_add(&v->inuse_objects, 1);
	__u64 key = (__u64)ptr;
	bpf_map_update_elem(&live, &key, &rec, BPF_ANY);
}

static __always_inline void on_free(const void *ptr)
{
	__u64 key = (__u64)ptr;
	struct ksight_alloc_live *rec = bpf_map_lookup_elem(&live, &key);
	if (!rec)
		return;
	struct ksight_alloc_value *v = bpf_map_lookup_elem(&counts, &rec->key);
	if (v) {
		__sync_fetch_and_add(&v->inuse_bytes, -(__s64)rec->bytes);
		__sync_fetch_and_add(&v->inuse_objects, -1);
	}
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
