/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Process lifecycle ABI shared by bpf/process.bpf.c and src/agent/process_source. */
#ifndef KSIGHT_PROCESS_H
#define KSIGHT_PROCESS_H

#include "ksight_event.h"

#define KSIGHT_FILENAME_LEN 256

/*
 * One fixed-size record for fork, exec and exit (header.type tells which).
 * header.pid is the process (tgid) the event is about: the child for fork.
 */
struct ksight_process_event {
	struct ksight_event_header header;
	__u64 start_boottime_ns; /* task start, CLOCK_BOOTTIME ns (as /proc's starttime) */
	__u32 ppid;		 /* parent tgid */
	__u32 uid;
	__u32 gid;
	__s32 exit_code;		    /* exit: wait(2) status (code << 8 | signal) */
	char filename[KSIGHT_FILENAME_LEN]; /* exec: the path given to execve */
};

enum ksight_process_lost {
	KSIGHT_PROCESS_LOST_RINGBUF = 0, /* ring buffer full: event dropped */
	KSIGHT_PROCESS_LOST_MAX = 1,
};

#endif /* KSIGHT_PROCESS_H */
