/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one event header shared by every BPF program and the user side.
 * Fixed-width types only; the C++ side static_asserts the layout
 * (src/agent/event_layout.h). Event type numbers are part of the ABI: append,
 * never renumber. Ranges: 1-99 profiling, 100-199 process lifecycle,
 * 200-399 syscalls, 400-499 memory, 500-599 network, 600-699 socket
 * payloads (HTTP), 700-799 function/syscall spans, 1000+ one-liners.
 */
#ifndef KSIGHT_EVENT_H
#define KSIGHT_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define KSIGHT_COMM_LEN 16
#define KSIGHT_MAX_STACK_DEPTH 127

enum ksight_event_type {
	KSIGHT_EVENT_CPU_SAMPLE = 1,
	/* 100-199 process lifecycle (bpf/process.h) */
	KSIGHT_EVENT_PROCESS_FORK = 100,
	KSIGHT_EVENT_PROCESS_EXEC = 101,
	KSIGHT_EVENT_PROCESS_EXIT = 102,
	/* 500-599 network (bpf/net.h) */
	KSIGHT_EVENT_TCP_CONNECT = 500,
	KSIGHT_EVENT_TCP_ACCEPT = 501,
	KSIGHT_EVENT_TCP_CLOSE = 502,
	/* 600-699 socket payloads for protocol parsing (bpf/http.h) */
	KSIGHT_EVENT_HTTP_PAYLOAD = 600,
	/* 700-799 user-space function and slow syscall spans (bpf/funcspan.h) */
	KSIGHT_EVENT_FUNC_SPAN = 700,
	KSIGHT_EVENT_SLOW_SYSCALL = 701,
};

/* Every ring-buffer record starts with this header. */
struct ksight_event_header {
	__u64 timestamp_ns; /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME */
	__u32 type;	    /* enum ksight_event_type */
	__u32 size;	    /* whole record, header included */
	__u32 pid;	    /* thread group id, in the initial pid namespace */
	__u32 tid;
	__u64 cgroup_id; /* cgroup v2 id of the task */
	char comm[KSIGHT_COMM_LEN];
};

#endif /* KSIGHT_EVENT_H */
