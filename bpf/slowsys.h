/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Slow syscall spans: ABI shared by bpf/slowsys.bpf.c and
 * src/agent/function_span_source (the slow syscall half). Only processes
 * in the `pids` map are timed (the agent puts the processes that serve
 * HTTP there); only syscalls slower than the threshold are reported.
 */
#ifndef KSIGHT_SLOWSYS_H
#define KSIGHT_SLOWSYS_H

#include "ksight_event.h"

#define KSIGHT_SLOWSYS_PIDS 4096
#define KSIGHT_SLOWSYS_THREADS 16384

/* header.type == KSIGHT_EVENT_SLOW_SYSCALL; header.timestamp_ns is the exit. */
struct ksight_slowsys_event {
	struct ksight_event_header header;
	__u64 start_ns; /* bpf_ktime_get_boot_ns() at entry */
	__s64 ret;	/* the syscall's return value */
	__u32 nr;	/* syscall number (this architecture's table) */
	__u32 pad;
};

enum ksight_slowsys_counter {
	KSIGHT_SLOWSYS_EVENTS = 0,
	KSIGHT_SLOWSYS_LOST_RINGBUF = 1,
	KSIGHT_SLOWSYS_COUNTER_MAX = 2,
};

#endif /* KSIGHT_SLOWSYS_H */
