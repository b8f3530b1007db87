/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Part of security.bpf.c: sockets. connect/accept give the endpoints of
 * network activity; dup2/dup3 of a socket onto stdin/stdout is the shape of
 * a reverse shell. Endpoints come from the kernel's socket (through the
 * task's fd table, CO-RE) rather than the caller's buffers where possible:
 * accept's peer buffer is optional, and connect's local port only exists
 * in the socket.
 */
#ifndef KSIGHT_SECURITY_NET_BPF_H
#define KSIGHT_SECURITY_NET_BPF_H

/* current->files->fdt->fd[fd], or NULL. */
static __always_inline struct file *task_fd_file(struct task_struct *task, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline __u32 file_mode(struct file *f)
{
	return f ? BPF_CORE_READ(f, f_inode, i_mode) : 0;
}

/* Fills family/type and both endpoints from a socket file. */
static __always_inline void read_sock(struct ksight_sec_sockaddr *a, struct file *f)
{
	struct socket *sock;
	struct sock *sk;

	if ((file_mode(f) & S_IFMT) != S_IFSOCK)
		return;
	sock = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	a->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	a->type = BPF_CORE_READ(sock, type);
	a->protocol = BPF_CORE_READ(sk, sk_protocol);
	a->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	a->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (a->family == AF_INET) {
		bpf_core_read(a->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(a->remote_addr, 4, &sk->__sk_common.skc_daddr);
	} else if (a->family == AF_INET6) {
		bpf_core_read(a->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(a->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

static __always_inline void clear_sockaddr(struct ksight_sec_sockaddr *a)
{
	__builtin_memset(a, 0, sizeof(*a));
}

struct sockaddr_in6_user {
	__u16 family;
	__u16 port;
	__u32 flowinfo;
	__u8 addr[16];
};

/* The remote end as the caller wrote it in connect()'s sockaddr. */
static __always_inline void read_user_sockaddr(struct ksight_sec_sockaddr *a, __u64 uaddr,
					       __u32 len)
{
	struct sockaddr_in6_user in = {};

	if (!uaddr || bpf_probe_read_user(&in.family, sizeof(in.family), (const void *)uaddr))
		return;
	a->family = in.family;
	if (in.family == AF_UNIX) {
		bpf_probe_read_user_str(a->unix_path, sizeof(a->unix_path),
					(const void *)(uaddr + 2));
		return;
	}
	if (bpf_probe_read_user(&in, sizeof(in), (const void *)uaddr) &&
	    bpf_probe_read_user(&in, 8, (const void *)uaddr))
		return;
	a->remote_port = bpf_ntohs(in.port);
	if (in.family == AF_INET)
		__builtin_memcpy(a->remote_addr, &in.flowinfo, 4); /* sin_addr */
	else if (in.family == AF_INET6)
		__builtin_memcpy(a->remote_addr, in.addr, 16);
}

static __always_inline int emit_connect(struct pending_args *p, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ksight_sec_connect_event *e;
	struct ksight_sec_sockaddr *a;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_CONNECT, p->syscall, ret);
	if (!e)
		return 0;
	a = &e->addr;
	clear_sockaddr(a);
	e->fd = (__s32)p->args[0];
	e->addrlen = (__u32)p->args[2];
	read_sock(a, task_fd_file(task, e->fd));
	/* The caller's sockaddr is the truth for the remote end: after a
	 * refused connect the socket no longer holds it. */
	read_user_sockaddr(a, p->args[1], e->addrlen);
	submit(e);
	return 0;
}

SEC_SYSCALL(connect, KSIGHT_SC_CONNECT, emit_connect)

static __always_inline int emit_accept(struct pending_args *p, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ksight_sec_accept_event *e;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_ACCEPT, p->syscall, ret);
	if (!e)
		return 0;
	clear_sockaddr(&e->addr);
	e->fd = (__s32)p->args[0];
	e->flags = p->syscall == KSIGHT_SC_ACCEPT4 ? (__u32)p->args[3] : 0;
	if (ret >= 0)
		read_sock(&e->addr, task_fd_file(task, (int)ret));
	submit(e);
	return 0;
}

SEC_SYSCALL(accept, KSIGHT_SC_ACCEPT, emit_accept)
SEC_SYSCALL(accept4, KSIGHT_SC_ACCEPT4, emit_accept)

static __always_inline int emit_dup(struct pending_args *p, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ksight_sec_dup_event *e;
	struct file *f;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_DUP, p->syscall, ret);
	if (!e)
		return 0;
	clear_sockaddr(&e->addr);
	e->oldfd = (__s32)p->args[0];
	e->newfd = (__s32)p->args[1];
	e->flags = p->syscall == KSIGHT_SC_DUP3 ? (__u32)p->args[2] : 0;
	f = task_fd_file(task, e->oldfd);
	e->old_mode = file_mode(f);
	read_sock(&e->addr, f);
	submit(e);
	return 0;
}

SEC_SYSCALL(dup2, KSIGHT_SC_DUP2, emit_dup)
SEC_SYSCALL(dup3, KSIGHT_SC_DUP3, emit_dup)

#endif /* KSIGHT_SECURITY_NET_BPF_H */
