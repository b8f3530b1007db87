// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The first bytes of every payload read from or written to a TCP socket,
 * for the user-space HTTP/1.x parser (src/otel via src/agent/http_source).
 *
 * Why syscalls:sys_{enter,exit}_{read,write,readv,writev,recvfrom,sendto,
 * recvmsg,sendmsg,sendfile64}: the user buffer is only known at the syscall
 * boundary (kprobes on tcp_sendmsg/tcp_recvmsg are unavailable here, and
 * the sock:* tracepoints carry lengths, not data). Enter records the fd
 * and buffer per thread — only when current->files->fdt->fd[fd] is a
 * socket whose sk_protocol is TCP, so file and pipe I/O costs a lookup and
 * nothing more. Exit knows how many bytes moved and copies up to
 * capture_bytes of them (read: the data just received; write: the data
 * sent) into the ring buffer. sendfile64 carries no user buffer: it is
 * reported with its length only, so the parser can skip a body by length.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "http.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define S_IFMT 00170000
#define S_IFSOCK 0140000

enum buf_kind { BUF_PLAIN = 0, BUF_IOVEC = 1, BUF_MSGHDR = 2, BUF_NONE = 3 };

struct active_io {
	__u64 buf; /* plain buffer, iovec array or user_msghdr */
	__u64 sk;
	__s32 fd;
	__u8 kind;
	__u8 direction;
	__u8 armed; /* set at enter, cleared at exit */
};

const volatile __u32 capture_bytes = KSIGHT_HTTP_DEFAULT_CAPTURE;
const volatile __u32 self_tgid = 0;
/* Wake the consumer only once this much is pending: at 10^4-10^5 payloads/s
 * a wakeup per record costs more than the copy. The agent also drains on
 * its collect timer, so a quiet connection's payloads wait at most that. */
const volatile __u64 wakeup_bytes = 256 << 10;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* The syscall in progress per thread, from enter to exit. Task storage
 * instead of a hash keyed by tid: no hashing, no LRU bookkeeping on every
 * read/write, and it goes away with the thread. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct active_io);
} active SEC(".maps");

enum conn_kind { CONN_UNKNOWN = 0, CONN_HTTP = 1, CONN_SKIP = 2 };

/* Per socket: is it worth sending? A connection whose payloads are TLS
 * records, or that showed no HTTP/1.x message start in its first
 * KSIGHT_HTTP_CLASSIFY_PAYLOADS payloads, costs this lookup and nothing
 * more from then on; its first payloads still reach user space so it is
 * counted there as TLS/other. */
struct conn_state {
	__u8 kind; /* enum conn_kind */
	__u8 seen; /* payloads looked at while CONN_UNKNOWN */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KSIGHT_HTTP_CONN_ENTRIES);
	__type(key, __u64); /* struct sock address */
	__type(value, struct conn_state);
} conns SEC(".maps");

/* Records are built here and copied out with only their captured bytes:
 * most payload heads are far shorter than KSIGHT_HTTP_MAX_CAPTURE. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksight_http_payload);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_HTTP_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

/* The struct sock behind fd when it is a TCP socket, else NULL. This runs
 * on every read/write of every process, sockets or not, so it is written
 * for few helper calls: current->files->fdt is walked by direct BTF loads
 * (bpf_get_current_task_btf, no bpf_probe_read per hop); the fd array holds
 * plain pointers the verifier cannot type, so from fd[fd] on it is one
 * probe read per field (6 in all, there were 10). */
static __always_inline struct sock *tcp_sock_of(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file **fds;
	struct file *f = NULL;
	struct inode *inode = NULL;
	struct socket *sock = NULL;
	struct sock *sk = NULL;
	umode_t mode = 0;
	__u16 protocol = 0;

	if (!fdt || fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	if (bpf_core_read(&inode, sizeof(inode), &f->f_inode) || !inode ||
	    bpf_core_read(&mode, sizeof(mode), &inode->i_mode) || (mode & S_IFMT) != S_IFSOCK)
		return NULL;
	if (bpf_core_read(&sock, sizeof(sock), &f->private_data) || !sock ||
	    bpf_core_read(&sk, sizeof(sk), &sock->sk) || !sk ||
	    bpf_core_read(&protocol, sizeof(protocol), &sk->sk_protocol) || protocol != IPPROTO_TCP)
		return NULL;
	return sk;
}

static __always_inline int enter(int fd, __u64 buf, __u8 kind, __u8 direction)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct active_io *io;
	struct sock *sk;

	if (self_tgid && (pid_tgid >> 32) == self_tgid)
		return 0;
	sk = tcp_sock_of(fd);
	if (!sk)
		return 0;
	io = bpf_task_storage_get(&active, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!io) {
		count(KSIGHT_HTTP_LOST_ACTIVE);
		return 0;
	}
	io->buf = buf;
	io->sk = (__u64)sk;
	io->fd = fd;
	io->kind = kind;
	io->direction = direction;
	io->armed = 1;
	return 0;
}

/* The user buffer holding the first bytes: iovec[0] for the vector calls. */
static __always_inline __u64 first_buffer(struct active_io *io, __u64 *len)
{
	struct iovec iov = {};
	struct user_msghdr msg = {};

	if (io->kind == BUF_PLAIN)
		return io->buf;
	if (io->kind == BUF_MSGHDR) {
		if (bpf_probe_read_user(&msg, sizeof(msg), (void *)io->buf))
			return 0;
		io->buf = (__u64)msg.msg_iov;
	} else if (io->kind != BUF_IOVEC) {
		return 0;
	}
	if (bpf_probe_read_user(&iov, sizeof(iov), (void *)io->buf))
		return 0;
	if (iov.iov_len < *len)
		*len = iov.iov_len;
	return (__u64)iov.iov_base;
}

/* One probe read of the whole struct sock_common (it holds the family,
 * ports and both addresses) instead of one per field: this runs for every
 * record sent. The copy is on the stack; field offsets into it are CO-RE
 * relocated like any access to a preserve_access_index type. */
static __always_inline void fill_tuple(struct ksight_http_payload *e, struct sock *sk)
{
	struct sock_common sc;
	__u32 size = bpf_core_type_size(struct sock_common);

	if (size > sizeof(sc))
		size = sizeof(sc);
	if (bpf_probe_read_kernel(&sc, size, &sk->__sk_common)) {
		e->family = 0;
		e->lport = e->rport = 0;
		return;
	}
	e->family = sc.skc_family;
	e->lport = sc.skc_num;
	e->rport = __builtin_bswap16(sc.skc_dport);
	if (e->family == AF_INET) {
		__builtin_memcpy(e->laddr, &sc.skc_rcv_saddr, 4);
		__builtin_memcpy(e->raddr, &sc.skc_daddr, 4);
	} else {
		__builtin_memcpy(e->laddr, &sc.skc_v6_rcv_saddr, 16);
		__builtin_memcpy(e->raddr, &sc.skc_v6_daddr, 16);
	}
}

static __always_inline int looks_like_http(const __u8 *d)
{
	__u32 w = d[0] | d[1] << 8 | d[2] << 16 | (__u32)d[3] << 24;

#define W(a, b, c, e) ((a) | (b) << 8 | (c) << 16 | (__u32)(e) << 24)
	return w == W('G', 'E', 'T', ' ') || w == W('P', 'O', 'S', 'T') ||
	       w == W('P', 'U', 'T', ' ') || w == W('H', 'E', 'A', 'D') ||
	       w == W('D', 'E', 'L', 'E') || w == W('O', 'P', 'T', 'I') ||
	       w == W('P', 'A', 'T', 'C') || w == W('C', 'O', 'N', 'N') ||
	       w == W('T', 'R', 'A', 'C') || w == W('H', 'T', 'T', 'P');
#undef W
}

/* TLS record header: content type 20-23, major version 3. */
static __always_inline int looks_like_tls(const __u8 *d)
{
	return d[0] >= 20 && d[0] <= 23 && d[1] == 3;
}

/* Updates the socket's class from this payload's first bytes; false when
 * the connection is not worth sending (the payload is then dropped, counted
 * as KSIGHT_HTTP_SKIPPED). */
static __always_inline bool worth_sending(__u64 sk, const __u8 *d, __u32 len)
{
	struct conn_state fresh = {}, *c = bpf_map_lookup_elem(&conns, &sk);

	if (!c) {
		bpf_map_update_elem(&conns, &sk, &fresh, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&conns, &sk);
		if (!c)
			return true;
	}
	if (c->kind == CONN_HTTP)
		return true;
	if (c->kind == CONN_SKIP) {
		count(KSIGHT_HTTP_SKIPPED);
		return false;
	}
	if (len < 4)
		return true;
	if (looks_like_http(d))
		c->kind = CONN_HTTP;
	else if (looks_like_tls(d) || ++c->seen >= KSIGHT_HTTP_CLASSIFY_PAYLOADS)
		c->kind = CONN_SKIP; /* this payload still goes: user space counts it */
	return true;
}

/* Wake the consumer only on a record that takes the pending bytes across
 * a multiple of wakeup_bytes, not on every record while they stay above
 * it: a forced wakeup is an irq_work, i.e. a self-IPI (an APIC write, a VM
 * exit here), and a consumer that is awake and draining gains nothing from
 * another. Measured (perf -a on the server's CPU, wrk -> nginx): the
 * "every record above the mark" rule spent 8% of that CPU in
 * native_write_msr from bpf_ringbuf_output. Every multiple, not only the
 * first: two CPUs that read the pending size at once can both see it just
 * below the mark and cross it together without either waking the consumer
 * (with one mark, 10^5 payloads were lost per 5 s round until the agent's
 * collect timer drained the ring); the next mark wakes it then. */
static __always_inline __u64 wakeup_flag(__u64 size)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	if (!wakeup_bytes)
		return 0; /* the kernel's default: wake when the consumer caught up */
	return (avail + size) / wakeup_bytes != avail / wakeup_bytes ? BPF_RB_FORCE_WAKEUP
								     : BPF_RB_NO_WAKEUP;
}

static __always_inline int leave(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct active_io *found, io;
	struct ksight_http_payload *e;
	__u32 zero = 0;
	__u64 len, src, size;

	found = bpf_task_storage_get(&active, bpf_get_current_task_btf(), 0, 0);
	if (!found || !found->armed)
		return 0;
	io = *found;
	found->armed = 0;
	if (ret <= 0)
		return 0;
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	len = ret < capture_bytes ? ret : capture_bytes;
	src = first_buffer(&io, &len);
	if (len > KSIGHT_HTTP_MAX_CAPTURE)
		len = KSIGHT_HTTP_MAX_CAPTURE;
	if (!src || bpf_probe_read_user(e->data, len, (void *)src))
		len = 0;
	if (io.kind != BUF_NONE && !worth_sending(io.sk, e->data, len))
		return 0;
	e->header.timestamp_ns = bpf_ktime_get_boot_ns();
	e->header.type = KSIGHT_EVENT_HTTP_PAYLOAD;
	e->header.pid = pid_tgid >> 32;
	e->header.tid = (__u32)pid_tgid;
	e->header.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(&e->header.comm, sizeof(e->header.comm));
	e->sock = io.sk;
	e->total = ret;
	e->fd = io.fd;
	e->direction = io.direction;
	e->pad = 0;
	fill_tuple(e, (struct sock *)io.sk);
	e->captured = len;
	size = offsetof(struct ksight_http_payload, data) + len;
	if (size > sizeof(*e))
		size = sizeof(*e);
	e->header.size = size;
	if ((__u64)ret > len)
		count(KSIGHT_HTTP_TRUNCATED);
	if (bpf_ringbuf_output(&events, e, size, wakeup_flag(size))) {
		count(KSIGHT_HTTP_LOST_RINGBUF);
		return 0;
	}
	count(KSIGHT_HTTP_EVENTS);
	return 0;
}

/* A struct sock is reused after close: its class must not outlive the
 * connection. Why sock:inet_sock_set_state: it fires for every TCP state
 * change of every socket (accepted children included), and only for those. */
SEC("tracepoint/sock/inet_sock_set_state")
int sock_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;

	if (ctx->protocol == IPPROTO_TCP &&
	    (ctx->newstate == BPF_TCP_CLOSE || ctx->newstate == BPF_TCP_ESTABLISHED))
		bpf_map_delete_elem(&conns, &sk);
	return 0;
}

#define ENTER(name, kind, dir)                                                                     \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                                \
	int enter_##name(struct trace_event_raw_sys_enter *ctx)                                    \
	{                                                                                          \
		return enter((int)ctx->args[0], kind == BUF_NONE ? 0 : ctx->args[1], kind, dir);   \
	}                                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int exit_##name(struct trace_event_raw_sys_exit *ctx) { return leave(ctx->ret); }

ENTER(read, BUF_PLAIN, KSIGHT_HTTP_INGRESS)
ENTER(recvfrom, BUF_PLAIN, KSIGHT_HTTP_INGRESS)
ENTER(readv, BUF_IOVEC, KSIGHT_HTTP_INGRESS)
ENTER(recvmsg, BUF_MSGHDR, KSIGHT_HTTP_INGRESS)
ENTER(write, BUF_PLAIN, KSIGHT_HTTP_EGRESS)
ENTER(sendto, BUF_PLAIN, KSIGHT_HTTP_EGRESS)
ENTER(writev, BUF_IOVEC, KSIGHT_HTTP_EGRESS)
ENTER(sendmsg, BUF_MSGHDR, KSIGHT_HTTP_EGRESS)
ENTER(sendfile64, BUF_NONE, KSIGHT_HTTP_EGRESS)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
