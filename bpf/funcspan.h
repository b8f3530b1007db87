/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Function spans by uprobe: ABI shared by bpf/funcspan.bpf.c and
 * src/agent/function_span_source. One uprobe/uretprobe pair per configured
 * {binary, symbol}; the attach cookie is the entry's index in the config.
 */
#ifndef KSIGHT_FUNCSPAN_H
#define KSIGHT_FUNCSPAN_H

#include "ksight_event.h"

/* Calls in flight per thread (recursion and nesting of traced functions);
 * deeper calls are counted (KSIGHT_FUNCSPAN_TOO_DEEP), not timed. */
#define KSIGHT_FUNCSPAN_MAX_DEPTH 16
#define KSIGHT_FUNCSPAN_THREADS 16384

/* header.type == KSIGHT_EVENT_FUNC_SPAN, emitted on return;
 * header.timestamp_ns is the return time. */
struct ksight_funcspan_event {
	struct ksight_event_header header;
	__u64 start_ns; /* entry, bpf_ktime_get_boot_ns() */
	__u64 cookie;	/* config entry index */
	__u32 depth;	/* traced calls still open below this one on the thread */
	__u32 pad;
};

enum ksight_funcspan_counter {
	KSIGHT_FUNCSPAN_EVENTS = 0,
	KSIGHT_FUNCSPAN_LOST_RINGBUF = 1, /* ring buffer full: span lost */
	KSIGHT_FUNCSPAN_TOO_DEEP = 2,	  /* entry beyond MAX_DEPTH: not timed */
	KSIGHT_FUNCSPAN_LOST_RETURN = 3,  /* an entry whose return never came */
	KSIGHT_FUNCSPAN_UNMATCHED = 4,	  /* a return without its entry */
	KSIGHT_FUNCSPAN_COUNTER_MAX = 5,
};

#endif /* KSIGHT_FUNCSPAN_H */
