/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ABI of the kernel allocation profiler (bpf/alloc.bpf.c <-> src/agent/alloc_*). */
#ifndef KSIGHT_ALLOC_H
#define KSIGHT_ALLOC_H

#include "ksight_event.h"
#include "ksight_exp_sample.h"

#define KSIGHT_ALLOC_STACK_DEPTH KSIGHT_MAX_STACK_DEPTH
#define KSIGHT_ALLOC_LIVE 65536 /* sampled allocations not yet freed */
#define KSIGHT_ALLOC_EXP_BINS KSIGHT_EXP_BINS

/* Event types (bpf/include/ksight_event.h range 400-499: memory). */
#define KSIGHT_EVENT_KALLOC_SAMPLE 400

enum ksight_alloc_loss {
	KSIGHT_ALLOC_LOSS_RINGBUF_FULL = 0, /* a sampled allocation not recorded */
	KSIGHT_ALLOC_LOSS_LIVE_FULL = 1,    /* recorded, but its kfree cannot be matched */
	KSIGHT_ALLOC_LOSS_STACK = 2,	    /* recorded without a kernel stack */
	KSIGHT_ALLOC_LOSS_MAX = 3,
};

#define KSIGHT_ALLOC_UNTRACKED 1u /* flags: not in the live map (it was full) */

/* One sampled allocation, stack inline: nothing shared between samples can
 * fill up or collide. */
struct ksight_alloc_sample {
	struct ksight_event_header hdr; /* type KSIGHT_EVENT_KALLOC_SAMPLE */
	__u64 ptr;
	__u64 size;	   /* bytes_alloc: what the allocator really handed out */
	__u32 flags;	   /* KSIGHT_ALLOC_UNTRACKED */
	__s32 stack_depth; /* frames in stack[], leaf first; or -errno */
	__u64 stack[KSIGHT_ALLOC_STACK_DEPTH];
};

#endif
