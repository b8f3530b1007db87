/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ABI of the CPU sampler (bpf/profile.bpf.c <-> src/agent/cpu_sampler.cpp). */
#ifndef KSIGHT_PROFILE_H
#define KSIGHT_PROFILE_H

#include "ksight_event.h"

/* Record type of profile_sample_ustack, in ksight_event.h's profiling range
 * (1-99). Kept here while that header has another module's change in flight;
 * it belongs in enum ksight_event_type next to KSIGHT_EVENT_CPU_SAMPLE. */
enum { KSIGHT_EVENT_CPU_SAMPLE_USTACK = 2 };

/* Why a sample or part of it was lost; indexes the lost_counters array. */
enum profile_loss {
	PROFILE_LOSS_RINGBUF_FULL = 0, /* whole sample dropped: ring buffer full */
	PROFILE_LOSS_KERNEL_STACK = 1, /* bpf_get_stack failed for the kernel stack */
	PROFILE_LOSS_USER_STACK = 2,   /* bpf_get_stack failed for the user stack */
	PROFILE_LOSS_USER_REGS = 3,    /* no user registers (task_pt_regs unavailable) */
	PROFILE_LOSS_STACK_COPY = 4,   /* user stack copy failed at every size tried */
	PROFILE_LOSS_STACK_SHORT = 5,  /* copy succeeded only after shrinking (not a loss) */
	PROFILE_LOSS_MAX = 6,
};

/* User registers in DWARF x86_64 numbering, what a CFI unwinder starts from. */
enum profile_user_reg {
	PROFILE_REG_RAX = 0,
	PROFILE_REG_RDX = 1,
	PROFILE_REG_RCX = 2,
	PROFILE_REG_RBX = 3,
	PROFILE_REG_RSI = 4,
	PROFILE_REG_RDI = 5,
	PROFILE_REG_RBP = 6,
	PROFILE_REG_RSP = 7,
	PROFILE_REG_R8 = 8,
	PROFILE_REG_R15 = 15,
	PROFILE_REG_RIP = 16,
	PROFILE_USER_REGS = 17,
};

/* Upper bound of the user stack bytes copied per sample (the record's size);
 * the copy size itself is a rodata tunable up to this. */
#define PROFILE_MAX_STACK_COPY 16384

/* One on-CPU sample. Stacks are inline (no stack map), so a busy machine can
 * never overflow a stack map and lose stacks to hash collisions; the price is
 * a fixed ~2 KiB record, ~400 KiB/s at 99 Hz on 2 CPUs. */
struct profile_sample {
	struct ksight_event_header hdr; /* type KSIGHT_EVENT_CPU_SAMPLE */
	__u32 cpu;
	__s32 kernel_depth;			    /* frames in kernel_stack, or -errno */
	__s32 user_depth;			    /* frames in user_stack, or -errno */
	__u32 flags;				    /* reserved */
	__u64 kernel_stack[KSIGHT_MAX_STACK_DEPTH]; /* leaf first */
	__u64 user_stack[KSIGHT_MAX_STACK_DEPTH];   /* leaf first */
};

/* A sample with the user registers and the top of the user stack, for
 * unwinding in user space from .eh_frame (the `perf --call-graph dwarf`
 * design; see src/unwind/README.md). Fixed size like every record type;
 * stack_size says how many bytes of `stack` are valid, copied from
 * user_regs[PROFILE_REG_RSP] upwards. */
struct profile_sample_ustack {
	struct profile_sample base; /* hdr.type KSIGHT_EVENT_CPU_SAMPLE_USTACK */
	__u64 user_regs[PROFILE_USER_REGS];
	__u32 stack_size; /* valid bytes in stack */
	__u32 regs_valid; /* 0: no user registers (kernel thread, or unavailable) */
	__u8 stack[PROFILE_MAX_STACK_COPY];
};

#endif /* KSIGHT_PROFILE_H */
