// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel memory allocations by process and by call site, aggregated in maps.
 *
 * Why the kmem:* tracepoints (tp/, not raw_tp): they fire in the slab
 * allocator itself (kmalloc → __kmalloc_noprof → trace_kmalloc) for every
 * caller, and the tp/ record carries bytes_alloc and call_site at stable,
 * CO-RE-relocated offsets, while the raw tracepoint arguments of
 * kmem_cache_alloc changed shape across kernel versions.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "kmem.h"

const volatile bool by_call_site = true;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSIGHT_KMEM_PROC_ENTRIES);
	__type(key, struct ksight_kmem_key);
	__type(value, struct ksight_kmem_value);
} by_proc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSIGHT_KMEM_SITE_ENTRIES);
	__type(key, struct ksight_kmem_site_key);
	__type(value, struct ksight_kmem_value);
} by_site SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_KMEM_LOST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &reason);

	if (n)
		*n += 1;
}

/* Adds one call of `bytes` to `map[key]`, creating the entry on first use. */
static __always_inline int add(void *map, const void *key, __u64 bytes)
{
	struct ksight_kmem_value init = {.calls = 1, .bytes = bytes};
	struct ksight_kmem_value *v = bpf_map_lookup_elem(map, key);

	if (!v) {
		if (bpf_map_update_elem(map, key, &init, BPF_NOEXIST) == 0)
			return 0;
		v = bpf_map_lookup_elem(map, key);
		if (!v)
			return -1;
	}
	__sync_fetch_and_add(&v->calls, 1);
	if (bytes)
		__sync_fetch_and_add(&v->bytes, bytes);
	return 0;
}

static __always_inline void account(__u32 kind, __u64 bytes, __u64 call_site)
{
	struct ksight_kmem_key key = {
	    .tgid = bpf_get_current_pid_tgid() >> 32,
	    .kind = kind,
	};

	if (add(&by_proc, &key, bytes))
		count_lost(KSIGHT_KMEM_LOST_PROC_FULL);
	if (by_call_site && call_site) {
		struct ksight_kmem_site_key site = {.call_site = call_site, .kind = kind};

		if (add(&by_site, &site, bytes))
			count_lost(KSIGHT_KMEM_LOST_SITE_FULL);
	}
}

SEC("tp/kmem/kmalloc")
int kmalloc(struct trace_event_raw_kmalloc *ctx)
{
	account(KSIGHT_KMEM_KMALLOC, BPF_CORE_READ(ctx, bytes_alloc),
		BPF_CORE_READ(ctx, call_site));
	return 0;
}

SEC("tp/kmem/kfree")
int kfree(struct trace_event_raw_kfree *ctx)
{
	account(KSIGHT_KMEM_KFREE, 0, 0);
	return 0;
}

SEC("tp/kmem/kmem_cache_alloc")
int kmem_cache_alloc(struct trace_event_raw_kmem_cache_alloc *ctx)
{
	account(KSIGHT_KMEM_CACHE_ALLOC, BPF_CORE_READ(ctx, bytes_alloc),
		BPF_CORE_READ(ctx, call_site));
	return 0;
}

SEC("tp/kmem/kmem_cache_free")
int kmem_cache_free(struct trace_event_raw_kmem_cache_free *ctx)
{
	account(KSIGHT_KMEM_CACHE_FREE, 0, 0);
	return 0;
}

SEC("tp/kmem/mm_page_alloc")
int mm_page_alloc(struct trace_event_raw_mm_page_alloc *ctx)
{
	__u32 order = BPF_CORE_READ(ctx, order);

	account(KSIGHT_KMEM_PAGE_ALLOC, 4096ULL << (order & 31), 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
