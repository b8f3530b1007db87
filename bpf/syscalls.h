/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Syscall accounting ABI shared by bpf/syscalls.bpf.c and src/agent/syscall_source. */
#ifndef KSIGHT_SYSCALLS_H
#define KSIGHT_SYSCALLS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Syscall numbers at or above this are counted under nr = MAX_NR - 1. */
#define KSIGHT_SYSCALL_MAX_NR 512
/* log2 latency slots: slot i holds durations in [2^i, 2^(i+1)) ns. */
#define KSIGHT_SYSCALL_HIST_SLOTS 32
#define KSIGHT_SYSCALL_COUNT_ENTRIES 65536
#define KSIGHT_SYSCALL_START_ENTRIES 16384

/* counts map key: calls by process and syscall number. */
struct ksight_syscall_key {
	__u32 tgid;
	__u32 nr;
};

/* Per-tid entry timestamp kept between sys_enter and sys_exit. */
struct ksight_syscall_start {
	__u64 ts_ns;
	__u32 nr;
	__u32 pad;
};

/* Index into the lost per-CPU array. */
enum ksight_syscall_lost {
	KSIGHT_SYSCALL_LOST_COUNTS_FULL = 0, /* counts map full: calls not counted */
	KSIGHT_SYSCALL_LOST_START_FULL = 1,  /* start map refused: latency not measured */
	KSIGHT_SYSCALL_LOST_MAX = 2,
};

#endif /* KSIGHT_SYSCALLS_H */
