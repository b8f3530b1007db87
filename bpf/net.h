/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* TCP lifecycle ABI shared by bpf/net.bpf.c and src/agent/net_source. */
#ifndef KSIGHT_NET_H
#define KSIGHT_NET_H

#include "ksight_event.h"

#define KSIGHT_NET_SOCK_ENTRIES 65536

enum ksight_tcp_direction {
	KSIGHT_TCP_OUTBOUND = 0, /* connect() */
	KSIGHT_TCP_INBOUND = 1,	 /* accepted */
};

enum ksight_tcp_result {
	KSIGHT_TCP_OK = 0,
	KSIGHT_TCP_FAILED = 1, /* SYN_SENT -> CLOSE: refused, unreachable, timed out */
};

/* One fixed-size record for connect, accept and close (header.type). */
struct ksight_tcp_event {
	struct ksight_event_header header; /* pid/comm: the process that connected */
	__u8 saddr[16];			   /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u16 family; /* AF_INET or AF_INET6 */
	__u8 direction;
	__u8 result;
	__u64 duration_ns;    /* connect: SYN to ESTABLISHED; close: lifetime */
	__u64 bytes_sent;     /* close: tcp_sock bytes_acked */
	__u64 bytes_received; /* close: tcp_sock bytes_received */
};

/* counters per-CPU array indices */
enum ksight_net_counter {
	KSIGHT_NET_RETRANSMITS = 0,
	KSIGHT_NET_SEND_RESETS = 1,
	KSIGHT_NET_RECEIVE_RESETS = 2,
	KSIGHT_NET_SEND_BYTES = 3,   /* sock:sock_send_length, TCP only */
	KSIGHT_NET_RECV_BYTES = 4,   /* sock:sock_recv_length, TCP only */
	KSIGHT_NET_LOST_RINGBUF = 5, /* events dropped: ring buffer full */
	KSIGHT_NET_LOST_SOCKS_FULL = 6,
	KSIGHT_NET_COUNTER_MAX = 7,
};

#endif /* KSIGHT_NET_H */
