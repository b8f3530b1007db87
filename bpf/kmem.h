/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel memory accounting ABI shared by bpf/kmem.bpf.c and src/agent/kmem_source. */
#ifndef KSIGHT_KMEM_H
#define KSIGHT_KMEM_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define KSIGHT_KMEM_PROC_ENTRIES 16384
#define KSIGHT_KMEM_SITE_ENTRIES 4096

enum ksight_kmem_kind {
	KSIGHT_KMEM_KMALLOC = 0,
	KSIGHT_KMEM_KFREE = 1,
	KSIGHT_KMEM_CACHE_ALLOC = 2,
	KSIGHT_KMEM_CACHE_FREE = 3,
	KSIGHT_KMEM_PAGE_ALLOC = 4,
	KSIGHT_KMEM_KIND_MAX = 5,
};

/* by_proc key: per process (tgid 0: kernel threads, interrupts) and kind. */
struct ksight_kmem_key {
	__u32 tgid;
	__u32 kind;
};

/* by_site key: kmalloc/kmem_cache_alloc call site (kernel text address). */
struct ksight_kmem_site_key {
	__u64 call_site;
	__u32 kind;
	__u32 pad;
};

struct ksight_kmem_value {
	__u64 calls;
	__u64 bytes; /* bytes_alloc (what the allocator handed out); 0 for frees */
};

enum ksight_kmem_lost {
	KSIGHT_KMEM_LOST_PROC_FULL = 0,
	KSIGHT_KMEM_LOST_SITE_FULL = 1,
	KSIGHT_KMEM_LOST_MAX = 2,
};

#endif /* KSIGHT_KMEM_H */
