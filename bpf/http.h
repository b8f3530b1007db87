/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TCP payload capture ABI shared by bpf/http.bpf.c and
 * src/agent/http_source: the first bytes of every read/write on a TCP
 * socket, for the HTTP/1.x parser in src/otel.
 */
#ifndef KSIGHT_HTTP_H
#define KSIGHT_HTTP_H

#include "ksight_event.h"

/* Upper bound of the bytes captured per syscall; the rodata tunable
 * capture_bytes (default KSIGHT_HTTP_DEFAULT_CAPTURE) picks up to this. */
#define KSIGHT_HTTP_MAX_CAPTURE 1024
#define KSIGHT_HTTP_DEFAULT_CAPTURE 512
/* Sockets classified (HTTP / not worth sending) in the kernel, LRU (the
 * syscall-tracepoint path; the sock tracepoint path uses socket storage). */
#define KSIGHT_HTTP_CONN_ENTRIES 65536
/* Process names (group leader comm, exact) the capture can be limited to
 * (rodata comm_filter; none: every process). */
#define KSIGHT_HTTP_MAX_COMMS 8
#define KSIGHT_HTTP_COMM_LEN 16
/* Payloads without an HTTP/1.x message start before a socket is skipped. */
#define KSIGHT_HTTP_CLASSIFY_PAYLOADS 8

enum ksight_http_direction {
	KSIGHT_HTTP_INGRESS = 0, /* read, readv, recvfrom, recvmsg */
	KSIGHT_HTTP_EGRESS = 1,	 /* write, writev, sendto, sendmsg, sendfile */
};

/* header.type == KSIGHT_EVENT_HTTP_PAYLOAD. Records end after their
 * captured bytes: header.size == offsetof(data) + captured (the ring-buffer
 * reservation may be larger); `total` is how many bytes the call moved.
 * header.cgroup_id is 0: user space finds the container by pid. */
struct ksight_http_payload {
	struct ksight_event_header header;
	__u64 sock;  /* struct sock address: tells a reused fd apart */
	__u64 total; /* syscall return value (> 0) */
	__s32 fd;
	__u32 captured;
	__u8 direction; /* enum ksight_http_direction */
	__u8 pad;
	__u16 family;	/* AF_INET / AF_INET6 */
	__u16 lport;	/* host order */
	__u16 rport;	/* host order */
	__u8 laddr[16]; /* IPv4: the first 4 bytes, the rest not written */
	__u8 raddr[16];
	__u8 data[KSIGHT_HTTP_MAX_CAPTURE];
};

/* counters per-CPU array indices. What user space sees itself (records
 * received, payloads longer than their capture) is counted there, not per
 * record in the kernel. */
enum ksight_http_counter {
	KSIGHT_HTTP_LOST_RINGBUF = 0, /* ring buffer full: payload lost */
	KSIGHT_HTTP_LOST_ACTIVE = 1,  /* per-thread syscall storage unavailable (path 2) */
	KSIGHT_HTTP_SKIPPED = 2,      /* payloads of TLS/non-HTTP sockets, not sent */
	/* sock_{recv,send}_length from a call whose buffer cannot be found
	 * (io_uring, recvmmsg/sendmmsg, kernel sockets): not captured */
	KSIGHT_HTTP_UNTRACKED_CALL = 3,
	KSIGHT_HTTP_COUNTER_MAX = 4,
};

#endif /* KSIGHT_HTTP_H */
