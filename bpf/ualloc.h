/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ABI of the user allocation profiler (bpf/ualloc.bpf.c <-> src/agent/ualloc_*). */
#ifndef KSIGHT_UALLOC_H
#define KSIGHT_UALLOC_H

#include "ksight_exp_sample.h"

#define KSIGHT_UALLOC_COMM_LEN 16
#define KSIGHT_UALLOC_STACK_DEPTH 127
#define KSIGHT_UALLOC_STACKS 16384  /* distinct user stacks */
#define KSIGHT_UALLOC_KEYS 32768    /* distinct (process, stack, size) triples */
#define KSIGHT_UALLOC_LIVE 131072   /* sampled allocations not yet freed */
#define KSIGHT_UALLOC_THREADS 16384 /* threads with a countdown (LRU) */
/* The bytes until the next sample follow Exp(mean = rate), drawn from a
 * table of quantile edges (bpf/include/ksight_exp_sample.h). */
#define KSIGHT_UALLOC_EXP_BINS KSIGHT_EXP_BINS

enum ksight_ualloc_loss {
	KSIGHT_UALLOC_LOSS_KEYS_FULL = 0,  /* counts map full: sample dropped */
	KSIGHT_UALLOC_LOSS_LIVE_FULL = 1,  /* live map full: its free is not matched */
	KSIGHT_UALLOC_LOSS_STACK = 2,	   /* no stack id (counted under id -errno) */
	KSIGHT_UALLOC_LOSS_MISSED_RET = 3, /* an entry whose return probe never ran */
	KSIGHT_UALLOC_LOSS_MAX = 4,
};

/* Raw sampled counts per (process, stack, request size): user space unsamples
 * them with the size (Go's 1/(1-exp(-size/rate))). */
struct ksight_ualloc_key {
	__u32 tgid;
	__s32 user_stack_id; /* into `stacks`, or -errno */
	__u64 size;	     /* bytes requested */
	/* [sp] at the allocator's entry: the caller, which a frame-pointer walk
	 * from an entry uprobe misses when the allocator does not start with
	 * push %rbp (the kernel adds it only then); user space splices it in
	 * after the leaf. */
	__u64 caller;
	char comm[KSIGHT_UALLOC_COMM_LEN];
};

/* Cumulative since load. */
struct ksight_ualloc_value {
	__u64 allocs; /* sampled allocations */
	__u64 frees;  /* of those, freed (matched by pointer) */
};

struct ksight_ualloc_live_key {
	__u32 tgid;
	__u32 pad;
	__u64 ptr;
};

#endif
