/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ABI of the CPU sampler (bpf/profile.bpf.c <-> src/agent/cpu_sampler.cpp). */
#ifndef KSIGHT_PROFILE_H
#define KSIGHT_PROFILE_H

#include "ksight_event.h"

/* Why a sample or part of it was lost; indexes the lost_counters array. */
enum profile_loss {
	PROFILE_LOSS_RINGBUF_FULL = 0, /* whole sample dropped: ring buffer full */
	PROFILE_LOSS_KERNEL_STACK = 1, /* bpf_get_stack failed for the kernel stack */
	PROFILE_LOSS_USER_STACK = 2,   /* bpf_get_stack failed for the user stack */
	PROFILE_LOSS_MAX = 3,
};

/* One on-CPU sample. Stacks are inline (no stack map), so a busy machine can
 * never overflow a stack map and lose stacks to hash collisions; the price is
 * a fixed ~2 KiB record, ~400 KiB/s at 99 Hz on 2 CPUs. */
struct profile_sample {
	struct ksight_event_header hdr; /* type KSIGHT_EVENT_CPU_SAMPLE */
	__u32 cpu;
	__s32 kernel_depth; /* frames in kernel_stack, or -errno */
	__s32 user_depth;   /* frames in user_stack, or -errno */
	__u32 flags;        /* reserved */
	__u64 kernel_stack[KSIGHT_MAX_STACK_DEPTH]; /* leaf first */
	__u64 user_stack[KSIGHT_MAX_STACK_DEPTH];   /* leaf first */
};

#endif /* KSIGHT_PROFILE_H */
