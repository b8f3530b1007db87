// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The first bytes of every payload read from or written to a TCP socket,
 * for the user-space HTTP/1.x parser (src/otel via src/agent/http_source).
 *
 * Two hook sets; the agent loads one (src/agent/http_source picks by
 * Feature::kSockMsgTracepoints):
 *
 * 1. tp_btf sock:sock_recv_length / sock:sock_send_length (Linux 6.3+).
 *    Why: they fire at the end of sock_recvmsg/sock_sendmsg, i.e. for
 *    every read/write/recv/send/…msg on a socket and for nothing else, with
 *    the struct sock and the byte count as arguments. No fd → file → socket
 *    walk, no enter/exit pair, and no syscall tracepoint: enabling any
 *    syscalls:* or raw_syscalls tracepoint sends every syscall of every
 *    task on the node through the slow syscall-work path, these do not.
 *    The user buffer comes from the syscall's own registers
 *    (bpf_task_pt_regs: the syscall number says which argument holds it);
 *    per-socket state lives in socket storage, freed with the socket.
 *
 * 2. Fallback: syscalls:sys_{enter,exit}_{read,write,readv,writev,recvfrom,
 *    sendto,recvmsg,sendmsg,sendfile64}. Enter records the fd and buffer
 *    per thread — only when current->files->fdt->fd[fd] is a socket whose
 *    sk_protocol is TCP, so file and pipe I/O costs a lookup and nothing
 *    more. Exit knows how many bytes moved and copies the head.
 *
 * Either way, sendfile carries no user buffer: it is reported with its
 * length only, so the parser can skip a body by length.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "http.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define MSG_PEEK 2
#define PF_IO_WORKER 0x00000010
#define PF_KTHREAD 0x00200000
#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* Syscall numbers whose arguments say where the payload is (path 1). */
#if defined(__TARGET_ARCH_x86)
#define NR_read 0
#define NR_write 1
#define NR_readv 19
#define NR_writev 20
#define NR_sendfile 40
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_splice 275
#define SYSCALL_NR(r) ((long)(r)->orig_ax)
#define SYSCALL_ARG1(r) ((r)->di)
#define SYSCALL_ARG2(r) ((r)->si)
#define TS_COMPAT 0x0002
/* A 32-bit syscall (int 0x80 / sysenter): thread_info.status says so. */
static __always_inline bool in_compat_syscall(struct task_struct *task)
{
	return task->thread_info.status & TS_COMPAT;
}
#elif defined(__TARGET_ARCH_arm64)
#define NR_read 63
#define NR_write 64
#define NR_readv 65
#define NR_writev 66
#define NR_sendfile 71
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_sendmsg 211
#define NR_recvmsg 212
#define NR_splice 76
#define SYSCALL_NR(r) ((long)(r)->syscallno)
#define SYSCALL_ARG1(r) ((r)->orig_x0)
#define SYSCALL_ARG2(r) ((r)->regs[1])
#define TIF_32BIT 22
/* An AArch32 task: its syscall numbers are not these. */
static __always_inline bool in_compat_syscall(struct task_struct *task)
{
	return task->thread_info.flags & (1UL << TIF_32BIT);
}
#else
#error "http.bpf.c: syscall numbers for this architecture are missing"
#endif

enum buf_kind { BUF_PLAIN = 0, BUF_IOVEC = 1, BUF_MSGHDR = 2, BUF_NONE = 3 };

/* One payload being captured: where its first bytes are and whose they are. */
struct active_io {
	__u64 buf; /* plain buffer, iovec array or user_msghdr */
	__u64 sk;
	__s32 fd;
	__u32 captured; /* bytes read into the record */
	__u8 kind;
	__u8 direction;
	__u8 armed; /* path 2: set at enter, cleared at exit */
};

const volatile __u32 capture_bytes = KSIGHT_HTTP_DEFAULT_CAPTURE;
const volatile __u32 self_tgid = 0;
/* Wake the consumer only once 2^wakeup_shift bytes are pending (256 KiB):
 * at 10^4-10^5 payloads/s a wakeup per record costs more than the copy. The
 * agent also drains on its collect timer, so a quiet connection's payloads
 * wait at most that. A shift, not a byte count: this runs per record and a
 * 64-bit division is ~40 cycles. 0: the kernel's default wakeups. */
const volatile __u32 wakeup_shift = 18;
/* Only these processes (their group leader's comm, NUL-padded, compared as
 * two words), when comm_filter_count > 0: as Beyla selects the executables
 * it instruments. Everything else costs the tracepoint dispatch and this
 * comparison, before any lookup, copy or record. */
const volatile __u32 comm_filter_count = 0;
const volatile __u64 comm_filter[KSIGHT_HTTP_MAX_COMMS][KSIGHT_HTTP_COMM_LEN / 8] = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

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

/* Path 1: socket storage, created on a TCP socket's first payload and
 * freed by the kernel with the socket (a reused struct sock starts clean). */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct conn_state);
} sock_conns SEC(".maps");

/* Path 2: keyed by struct sock address (tracepoint programs cannot reach
 * socket storage), forgotten on TCP close/establish (sock_state below).
 * The agent shrinks it to one entry when path 1 is loaded. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KSIGHT_HTTP_CONN_ENTRIES);
	__type(key, __u64);
	__type(value, struct conn_state);
} conns SEC(".maps");

/* Path 2: the syscall in progress per thread, from enter to exit. Task
 * storage instead of a hash keyed by tid: no hashing, no LRU bookkeeping
 * on every read/write, and it goes away with the thread. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct active_io);
} active SEC(".maps");

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

/* Whether the current process is one the capture is limited to. */
static __always_inline bool process_selected(void)
{
	struct task_struct *leader;
	__u64 w0, w1;

	if (!comm_filter_count)
		return true;
	leader = bpf_get_current_task_btf()->group_leader;
	w0 = *(__u64 *)&leader->comm[0];
	w1 = *(__u64 *)&leader->comm[8];
	for (__u32 i = 0; i < KSIGHT_HTTP_MAX_COMMS; i++) {
		if (i >= comm_filter_count)
			break;
		if (comm_filter[i][0] == w0 && comm_filter[i][1] == w1)
			return true;
	}
	return false;
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

/* Path 2's sock is an untrusted address: one probe read of the whole
 * struct sock_common (it holds the family, ports and both addresses)
 * instead of one per field. The copy is on the stack; field offsets into
 * it are CO-RE relocated like any access to a preserve_access_index type. */
static __always_inline void fill_tuple_probe(struct ksight_http_payload *e, __u64 addr)
{
	struct sock *sk = (struct sock *)addr;
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

/* Path 1's sock is a typed tracepoint argument: plain loads, no helper. */
static __always_inline void fill_tuple_btf(struct ksight_http_payload *e, struct sock *sk)
{
	struct sock_common *sc = &sk->__sk_common;

	e->family = sc->skc_family;
	e->lport = sc->skc_num;
	e->rport = __builtin_bswap16(sc->skc_dport);
	if (e->family == AF_INET) {
		__builtin_memcpy(e->laddr, &sc->skc_rcv_saddr, 4);
		__builtin_memcpy(e->raddr, &sc->skc_daddr, 4);
	} else {
		__builtin_memcpy(e->laddr, &sc->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(e->raddr, &sc->skc_v6_daddr, 16);
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

/* An extension method (WebDAV's PROPFIND, MKCOL, ...): 3-20 of A-Z, '-' or
 * '_', SP, then an origin-form target's '/'. The '/' tells it from SMTP,
 * FTP or Redis inline commands, and leaves out HTTP/2's "PRI *". User
 * space checks the rest of the request line
 * (src/otel/http_parser.cpp, looks_like_extension_request). */
static __always_inline int looks_like_extension_request(const __u8 *d, __u32 len)
{
	for (__u32 i = 0; i <= 20 && i + 1 < len; i++) {
		__u8 c = d[i];

		if (c == ' ')
			return i >= 3 && d[i + 1] == '/';
		if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
			return 0;
	}
	return 0;
}

/* TLS record header: content type 20-23, major version 3. */
static __always_inline int looks_like_tls(const __u8 *d)
{
	return d[0] >= 20 && d[0] <= 23 && d[1] == 3;
}

/* Updates the socket's class from this payload's first bytes; false when
 * the connection is not worth sending (the payload is then dropped, counted
 * as KSIGHT_HTTP_SKIPPED). No state (storage unavailable): send. */
static __always_inline bool worth_sending(struct conn_state *c, const __u8 *d, __u32 len)
{
	if (!c || c->kind == CONN_HTTP)
		return true;
	if (c->kind == CONN_SKIP) {
		count(KSIGHT_HTTP_SKIPPED);
		return false;
	}
	if (len < 4)
		return true;
	if (looks_like_http(d) || looks_like_extension_request(d, len))
		c->kind = CONN_HTTP;
	else if (looks_like_tls(d) || ++c->seen >= KSIGHT_HTTP_CLASSIFY_PAYLOADS)
		c->kind = CONN_SKIP; /* this payload still goes: user space counts it */
	return true;
}

/* Wake the consumer only on a record that takes the pending bytes across
 * a multiple of 2^wakeup_shift, not on every record while they stay above
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
	__u64 avail;

	if (!wakeup_shift)
		return 0; /* the kernel's default: wake when the consumer caught up */
	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	return (avail + size) >> wakeup_shift != avail >> wakeup_shift ? BPF_RB_FORCE_WAKEUP
								       : BPF_RB_NO_WAKEUP;
}

/* A record reserved in the ring buffer at the smallest of three sizes that
 * holds `len` captured bytes, the bytes read straight into it: one copy,
 * where building the record on the side and bpf_ringbuf_output() made two.
 * (Reservations must be constant-sized, hence the buckets.) */
#define HEAD_SIZE offsetof(struct ksight_http_payload, data)
#define RESERVE_AND_READ(cap)                                                                      \
	do {                                                                                       \
		e = bpf_ringbuf_reserve(&events, HEAD_SIZE + (cap), 0);                            \
		if (e && (len > (cap) || bpf_probe_read_user(e->data, len, (void *)src)))          \
			len = 0;                                                                   \
	} while (0)

static __always_inline struct ksight_http_payload *reserve_payload(__u64 src, __u64 len,
								   __u32 *captured)
{
	struct ksight_http_payload *e = NULL;

	if (!src)
		len = 0;
	if (len <= 128)
		RESERVE_AND_READ(128);
	else if (len <= 512)
		RESERVE_AND_READ(512);
	else
		RESERVE_AND_READ(KSIGHT_HTTP_MAX_CAPTURE);
	if (!e) {
		count(KSIGHT_HTTP_LOST_RINGBUF);
		return NULL;
	}
	*captured = len;
	return e;
}

/* The head of one payload of `ret` bytes in a reserved record, or NULL
 * when its socket is classified not worth sending (`state`: path 1 socket
 * storage, path 2 the LRU hash; NULL unknown) or the ring buffer is full. */
static __always_inline struct ksight_http_payload *payload_head(struct active_io *io, long ret,
								struct conn_state *state)
{
	struct ksight_http_payload *e;
	__u64 len = ret < capture_bytes ? ret : capture_bytes;
	__u64 src = first_buffer(io, &len);

	e = reserve_payload(src, len, &io->captured);
	if (!e)
		return NULL;
	if (io->kind != BUF_NONE && !worth_sending(state, e->data, io->captured)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return NULL;
	}
	return e;
}

/* Fills what is common to both paths and sends. header.cgroup_id stays 0:
 * user space finds the container by pid, and the helper cost ~5% of a
 * record. comm is read from the task by plain loads (the helper's
 * strscpy cost another ~5%). The record is only written, never read back:
 * its ring-buffer lines were last read by the consumer's CPU, and a load
 * from one waits for the line (that wait was ~25% of the program's time). */
static __always_inline void send_payload(struct ksight_http_payload *e, struct active_io *io,
					 long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 size = HEAD_SIZE + io->captured;

	e->header.timestamp_ns = bpf_ktime_get_boot_ns();
	e->header.type = KSIGHT_EVENT_HTTP_PAYLOAD;
	e->header.size = size;
	e->header.pid = pid_tgid >> 32;
	e->header.tid = (__u32)pid_tgid;
	e->header.cgroup_id = 0;
	__builtin_memcpy(e->header.comm, task->comm, sizeof(e->header.comm));
	e->sock = io->sk;
	e->total = ret;
	e->fd = io->fd;
	e->captured = io->captured;
	e->direction = io->direction;
	e->pad = 0;
	bpf_ringbuf_submit(e, wakeup_flag(size));
}

/* ---- path 1: sock:sock_{recv,send}_length ---- */

/* Where the calling syscall keeps its payload, from its number; false for
 * calls that cannot be followed (io_uring, recvmmsg/sendmmsg, kernel
 * sockets: counted as KSIGHT_HTTP_UNTRACKED_CALL). */
static __always_inline bool syscall_buffer(struct active_io *io)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs;

	/* Kernel threads and io_uring workers have no syscall of their own in
	 * their registers; 32-bit tasks number their syscalls differently. */
	if (task->flags & (PF_KTHREAD | PF_IO_WORKER) || in_compat_syscall(task))
		return false;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	io->fd = (__s32)SYSCALL_ARG1(regs);
	io->buf = SYSCALL_ARG2(regs);
	switch (SYSCALL_NR(regs)) {
	case NR_read:
	case NR_write:
	case NR_recvfrom:
	case NR_sendto:
		io->kind = BUF_PLAIN;
		return true;
	case NR_readv:
	case NR_writev:
		io->kind = BUF_IOVEC;
		return true;
	case NR_recvmsg:
	case NR_sendmsg:
		io->kind = BUF_MSGHDR;
		return true;
	case NR_sendfile:
	case NR_splice:
		io->kind = BUF_NONE;
		io->buf = 0;
		return true;
	}
	return false;
}

static __always_inline int on_sock_msg(struct sock *sk, int ret, __u8 direction)
{
	struct ksight_http_payload *e;
	struct active_io io = {};

	if (ret <= 0 || !sk || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (self_tgid && (bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return 0;
	if (!process_selected())
		return 0;
	if (!syscall_buffer(&io)) {
		count(KSIGHT_HTTP_UNTRACKED_CALL);
		return 0;
	}
	io.sk = (__u64)sk;
	io.direction = direction;
	e = payload_head(&io, ret,
			 bpf_sk_storage_get(&sock_conns, sk, 0, BPF_SK_STORAGE_GET_F_CREATE));
	if (!e)
		return 0;
	fill_tuple_btf(e, sk);
	send_payload(e, &io, ret);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv, struct sock *sk, int ret, int flags)
{
	if (flags & MSG_PEEK)
		return 0; /* the bytes are read again by the next call */
	return on_sock_msg(sk, ret, KSIGHT_HTTP_INGRESS);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send, struct sock *sk, int ret, int flags)
{
	return on_sock_msg(sk, ret, KSIGHT_HTTP_EGRESS);
}

/* ---- path 2 (fallback): syscalls tracepoints ---- */

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
	if (!process_selected())
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

static __always_inline struct conn_state *hashed_state(__u64 sk)
{
	struct conn_state fresh = {}, *c = bpf_map_lookup_elem(&conns, &sk);

	if (c)
		return c;
	bpf_map_update_elem(&conns, &sk, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&conns, &sk);
}

static __always_inline int leave(long ret)
{
	struct ksight_http_payload *e;
	struct active_io *found, io;

	found = bpf_task_storage_get(&active, bpf_get_current_task_btf(), 0, 0);
	if (!found || !found->armed)
		return 0;
	io = *found;
	found->armed = 0;
	if (ret <= 0)
		return 0;
	e = payload_head(&io, ret, hashed_state(io.sk));
	if (!e)
		return 0;
	fill_tuple_probe(e, io.sk);
	send_payload(e, &io, ret);
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
