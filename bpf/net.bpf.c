// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP connection lifecycle and health counters.
 *
 * Why sock:inet_sock_set_state: every TCP state change goes through
 * tcp_set_state() → trace_inet_sock_set_state, for both IPv4 and IPv6 and
 * for both directions, with the 4-tuple already extracted. SYN_SENT marks a
 * connect (in the caller's context), SYN_RECV → ESTABLISHED an accepted
 * connection (softirq: no meaningful process), → CLOSE the end. Socket
 * starts live in an LRU map keyed by the sock pointer.
 * tcp:tcp_retransmit_skb / tcp_send_reset / tcp_receive_reset and
 * sock:sock_{send,recv}_length only count, in a per-CPU array.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "net.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

struct sock_start {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__u64 cgroup_id;
	char comm[KSIGHT_COMM_LEN];
	__u8 direction;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KSIGHT_NET_SOCK_ENTRIES);
	__type(key, __u64);
	__type(value, struct sock_start);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_NET_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += n;
}

static __always_inline void remember(__u64 sk, __u8 direction, bool with_task)
{
	struct sock_start s = {.ts_ns = bpf_ktime_get_ns(), .direction = direction};

	if (with_task) {
		__u64 pid_tgid = bpf_get_current_pid_tgid();

		s.pid = pid_tgid >> 32;
		s.tid = (__u32)pid_tgid;
		s.cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(&s.comm, sizeof(s.comm));
	}
	if (bpf_map_update_elem(&socks, &sk, &s, BPF_ANY))
		count(KSIGHT_NET_LOST_SOCKS_FULL, 1);
}

static __always_inline void emit(struct trace_event_raw_inet_sock_set_state *ctx, __u32 type,
				 struct sock_start *s, __u8 result)
{
	struct ksight_tcp_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u64 now = bpf_ktime_get_ns();

	if (!e) {
		count(KSIGHT_NET_LOST_RINGBUF, 1);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->header.timestamp_ns = bpf_ktime_get_boot_ns();
	e->header.type = type;
	e->header.size = sizeof(*e);
	e->family = ctx->family;
	e->sport = ctx->sport;
	e->dport = ctx->dport;
	e->result = result;
	/* Arrays in the tp/ context cannot be copied with ctx pointer arithmetic. */
	if (ctx->family == AF_INET) {
		bpf_probe_read_kernel(e->saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(e->daddr, 4, ctx->daddr);
	} else {
		bpf_probe_read_kernel(e->saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(e->daddr, 16, ctx->daddr_v6);
	}
	if (s) {
		e->header.pid = s->pid;
		e->header.tid = s->tid;
		e->header.cgroup_id = s->cgroup_id;
		__builtin_memcpy(e->header.comm, s->comm, sizeof(e->header.comm));
		e->direction = s->direction;
		e->duration_ns = now - s->ts_ns;
	} else {
		e->direction =
		    type == KSIGHT_EVENT_TCP_ACCEPT ? KSIGHT_TCP_INBOUND : KSIGHT_TCP_OUTBOUND;
	}
	if (type == KSIGHT_EVENT_TCP_CLOSE) {
		struct tcp_sock *tp = (struct tcp_sock *)ctx->skaddr;

		e->bytes_sent = BPF_CORE_READ(tp, bytes_acked);
		e->bytes_received = BPF_CORE_READ(tp, bytes_received);
	}
	bpf_ringbuf_submit(e, 0);
}

SEC("tp/sock/inet_sock_set_state")
int inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;
	int oldstate = ctx->oldstate, newstate = ctx->newstate;
	struct sock_start *s;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_SYN_SENT) {
		remember(sk, KSIGHT_TCP_OUTBOUND, true);
		return 0;
	}
	s = bpf_map_lookup_elem(&socks, &sk);
	if (oldstate == TCP_SYN_SENT && newstate == TCP_ESTABLISHED) {
		emit(ctx, KSIGHT_EVENT_TCP_CONNECT, s, KSIGHT_TCP_OK);
		if (s)
			s->ts_ns = bpf_ktime_get_ns();
		return 0;
	}
	if (oldstate == TCP_SYN_SENT && newstate == TCP_CLOSE) {
		emit(ctx, KSIGHT_EVENT_TCP_CONNECT, s, KSIGHT_TCP_FAILED);
		bpf_map_delete_elem(&socks, &sk);
		return 0;
	}
	if (oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED) {
		remember(sk, KSIGHT_TCP_INBOUND, false);
		emit(ctx, KSIGHT_EVENT_TCP_ACCEPT, NULL, KSIGHT_TCP_OK);
		return 0;
	}
	if (newstate == TCP_CLOSE && s) {
		emit(ctx, KSIGHT_EVENT_TCP_CLOSE, s, KSIGHT_TCP_OK);
		bpf_map_delete_elem(&socks, &sk);
	}
	return 0;
}

SEC("tp/tcp/tcp_retransmit_skb")
int tcp_retransmit_skb(void *ctx)
{
	count(KSIGHT_NET_RETRANSMITS, 1);
	return 0;
}

SEC("tp/tcp/tcp_send_reset")
int tcp_send_reset(void *ctx)
{
	count(KSIGHT_NET_SEND_RESETS, 1);
	return 0;
}

SEC("tp/tcp/tcp_receive_reset")
int tcp_receive_reset(void *ctx)
{
	count(KSIGHT_NET_RECEIVE_RESETS, 1);
	return 0;
}

/* Optional: sock_send_length/sock_recv_length exist since 6.4; user space
 * turns these off with set_autoload(false) where they are missing. */
SEC("tp/sock/sock_send_length")
int sock_send_length(struct trace_event_raw_sock_msg_length *ctx)
{
	if (ctx->protocol == IPPROTO_TCP && ctx->ret > 0)
		count(KSIGHT_NET_SEND_BYTES, ctx->ret);
	return 0;
}

SEC("tp/sock/sock_recv_length")
int sock_recv_length(struct trace_event_raw_sock_msg_length *ctx)
{
	if (ctx->protocol == IPPROTO_TCP && ctx->ret > 0)
		count(KSIGHT_NET_RECV_BYTES, ctx->ret);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
