/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ABI of the off-CPU profiler (bpf/offcpu.bpf.c <-> src/agent/offcpu_*). */
#ifndef KSIGHT_OFFCPU_H
#define KSIGHT_OFFCPU_H

#define KSIGHT_OFFCPU_COMM_LEN 16
#define KSIGHT_OFFCPU_STACK_DEPTH 127
#define KSIGHT_OFFCPU_STACKS 16384  /* distinct stacks (stack trace map) */
#define KSIGHT_OFFCPU_KEYS 16384    /* distinct (process, stacks) pairs */
#define KSIGHT_OFFCPU_THREADS 65536 /* threads off CPU at one time */

/* Why an off-CPU interval was not counted; indexes the `lost` array. */
enum ksight_offcpu_loss {
	KSIGHT_OFFCPU_LOSS_START_FULL = 0, /* too many threads off CPU at once */
	KSIGHT_OFFCPU_LOSS_KEYS_FULL = 1,  /* counts map full */
	KSIGHT_OFFCPU_LOSS_STACK = 2,	   /* no stack id (kept with id -1) */
	KSIGHT_OFFCPU_LOSS_MAX = 3,
};

/* Aggregation key: the blocked process and the stacks it blocked in. */
struct ksight_offcpu_key {
	__u32 tgid;
	__s32 kernel_stack_id; /* into `stacks`, or -errno */
	__s32 user_stack_id;
	__u32 pad;
	char comm[KSIGHT_OFFCPU_COMM_LEN];
};

struct ksight_offcpu_value {
	__u64 total_ns; /* summed blocked time (intervals >= min_ns only) */
	__u64 count;	/* intervals */
};

#endif
