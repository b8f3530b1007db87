/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ABI of the kernel allocation profiler (bpf/alloc.bpf.c <-> src/agent/alloc_*). */
#ifndef KSIGHT_ALLOC_H
#define KSIGHT_ALLOC_H

#define KSIGHT_ALLOC_COMM_LEN 16
#define KSIGHT_ALLOC_STACK_DEPTH 127
#define KSIGHT_ALLOC_STACKS 16384    /* distinct kernel stacks */
#define KSIGHT_ALLOC_KEYS 16384      /* distinct (process, stack) pairs */
#define KSIGHT_ALLOC_LIVE 262144     /* outstanding allocations tracked for inuse */

enum ksight_alloc_loss {
	KSIGHT_ALLOC_LOSS_KEYS_FULL = 0, /* counts map full: allocation not counted */
	KSIGHT_ALLOC_LOSS_STACK = 1,     /* no stack id (counted under id -errno) */
	KSIGHT_ALLOC_LOSS_MAX = 2,
};

struct ksight_alloc_key {
	__u32 tgid;
	__s32 kernel_stack_id; /* into `stacks`, or -errno */
	char comm[KSIGHT_ALLOC_COMM_LEN];
};

/* Cumulative since load; user space turns alloc_* into per-window deltas. */
struct ksight_alloc_value {
	__u64 alloc_bytes;
	__u64 alloc_objects;
	__s64 inuse_bytes;  /* allocated minus freed (kfree matched by pointer) */
	__s64 inuse_objects;
};

/* One outstanding allocation: where its bytes are counted. */
struct ksight_alloc_live {
	struct ksight_alloc_key key;
	__u64 bytes;
};

#endif
