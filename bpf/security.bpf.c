// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Security event sources: the syscalls Falco-style rules need, one fixed-size
 * record per event into one ring buffer (layouts in security.h).
 *
 * Shape: every syscall has one sys_exit program that takes the arguments
 * from the saved user registers, reads what they point to and emits the
 * record with the result. Reading at exit gives the result and the
 * kernel-filled state (the accepted socket, the connected local port) in one
 * record. execve is the exception: on success the caller's memory and
 * registers are gone at exit, so its filename and argv are copied at
 * sys_enter into `sec_exec_pending`.
 *
 * Why syscalls:sys_enter_* / sys_exit_* tracepoints and not raw_syscalls or
 * kprobes: kprobes and fentry are unavailable or refused on our kernels, and
 * the per-syscall tracepoints cost nothing for the syscalls we do not watch
 * (raw_syscalls would run for every syscall on the machine).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "security.h"

#define AT_FDCWD -100
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define BPF_PROG_LOAD_CMD 5

/* Tunables, set by the loader before load. */
const volatile __u32 ignore_tgid = 0; /* the agent itself */
/* Wake the consumer only once this many bytes wait (0: on every record).
 * Batching wakeups saves an irq_work and a consumer context switch per
 * event under load; the consumer's poll timeout bounds the added latency. */
const volatile __u64 wakeup_bytes = 0;

struct pending_args {
	__u64 args[6];
	__u16 syscall;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} sec_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct ksight_sec_exec_event);
} sec_exec_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksight_sec_exec_event);
} sec_exec_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSIGHT_SEC_LOST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sec_lost SEC(".maps");

static __always_inline void count_lost(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&sec_lost, &reason);

	if (n)
		*n += 1;
}

static __always_inline bool ignored(void)
{
	return ignore_tgid && (bpf_get_current_pid_tgid() >> 32) == ignore_tgid;
}

static __always_inline __u32 current_tid(void) { return (__u32)bpf_get_current_pid_tgid(); }

/* ---- who: the calling task ---- */

/* tty_nr as /proc/PID/stat encodes it (new_encode_dev of the tty device). */
static __always_inline __u32 task_tty(struct task_struct *task)
{
	struct tty_struct *tty = task->signal->tty;
	__u32 major, minor;

	if (!tty)
		return 0;
	major = tty->driver->major;
	minor = tty->driver->minor_start + tty->index;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

/* Fileless execution: the exe was a memfd, whose dentry is "memfd:<name>". */
static __always_inline bool exe_is_memfd(struct task_struct *task)
{
	struct mm_struct *mm = task->mm;
	struct file *exe;
	const unsigned char *name;
	char buf[6] = {};

	if (!mm)
		return false;
	exe = mm->exe_file;
	if (!exe)
		return false;
	name = exe->f_path.dentry->d_name.name;
	if (!name || bpf_probe_read_kernel(buf, sizeof(buf), name))
		return false;
	return buf[0] == 'm' && buf[1] == 'e' && buf[2] == 'm' && buf[3] == 'f' && buf[4] == 'd' &&
	       buf[5] == ':';
}

static __always_inline void fill_common(struct ksight_sec_common *c, __u32 type, __u32 size,
					__u16 syscall, __s64 res)
{
	/* A BTF pointer: fields are read by direct (fault-safe) loads, not one
	 * helper call each. */
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct ksight_sec_ctx *x = &c->ctx;
	const struct cred *cred = task->cred;

	c->hdr.timestamp_ns = bpf_ktime_get_boot_ns();
	c->hdr.type = type;
	c->hdr.size = size;
	c->hdr.pid = pid_tgid >> 32;
	c->hdr.tid = (__u32)pid_tgid;
	c->hdr.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(c->hdr.comm, sizeof(c->hdr.comm));
	x->uid = (__u32)uid_gid;
	x->gid = uid_gid >> 32;
	x->euid = cred->euid.val;
	x->egid = cred->egid.val;
	x->ppid = task->real_parent->tgid;
	x->flags = 0;
	x->loginuid = 0xffffffff;
	if (bpf_core_field_exists(task->loginuid)) {
		x->loginuid = task->loginuid.val;
		x->flags |= KSIGHT_SEC_F_HAS_LOGINUID;
	}
	x->tty = task_tty(task);
	if (exe_is_memfd(task))
		x->flags |= KSIGHT_SEC_F_EXE_FROM_MEMFD;
	/* kernel_cap_t is a u64 since 6.3 and a u32[2] before: 8 bytes either way. */
	bpf_core_read(&x->cap_effective, sizeof(x->cap_effective), &cred->cap_effective);
	x->res = res;
	x->syscall = syscall;
	x->trunc = 0;
	x->reserved = 0;
}

/* Reserve a record and fill its common part; NULL (counted) when full. */
static __always_inline void *reserve(__u32 size, __u32 type, __u16 syscall, __s64 res)
{
	void *rec = bpf_ringbuf_reserve(&sec_events, size, 0);

	if (!rec) {
		count_lost(KSIGHT_SEC_LOST_RINGBUF);
		return NULL;
	}
	fill_common(rec, type, size, syscall, res);
	return rec;
}

static __always_inline __u64 wakeup_flags(void)
{
	if (!wakeup_bytes)
		return 0;
	return bpf_ringbuf_query(&sec_events, BPF_RB_AVAIL_DATA) >= wakeup_bytes
		   ? BPF_RB_FORCE_WAKEUP
		   : BPF_RB_NO_WAKEUP;
}

static __always_inline void submit(void *rec) { bpf_ringbuf_submit(rec, wakeup_flags()); }

/* Reads a user string; returns the truncation bit when it filled `size`. */
static __always_inline __u16 read_ustr(char *dst, __u32 size, __u64 src, __u16 bit)
{
	long n;

	dst[0] = 0;
	if (!src)
		return 0;
	n = bpf_probe_read_user_str(dst, size, (const void *)src);
	if (n < 0)
		dst[0] = 0;
	return n == size ? bit : 0;
}

/* ---- sys_exit: the arguments, from the syscall's saved registers ---- */

/*
 * Only sys_exit programs: the arguments are still in the user registers
 * the syscall entry saved (pt_regs; x86-64 syscall ABI di, si, dx, r10, r8,
 * r9), which the handlers read but do not change. One tracepoint per
 * syscall instead of two halves attach/detach time (each detach of a
 * syscall tracepoint waits for an RCU grace period) and saves a hash-map
 * update and delete per event. exec is the exception (security_exec.bpf.h).
 */
static __always_inline void args_from_regs(struct pending_args *p, __u16 syscall)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	p->syscall = syscall;
	p->args[0] = BPF_CORE_READ(regs, di);
	p->args[1] = BPF_CORE_READ(regs, si);
	p->args[2] = BPF_CORE_READ(regs, dx);
	p->args[3] = BPF_CORE_READ(regs, r10);
	p->args[4] = BPF_CORE_READ(regs, r8);
	p->args[5] = BPF_CORE_READ(regs, r9);
}

#define SEC_SYSCALL(name, sc, handler)                                                             \
	SEC("tp/syscalls/sys_exit_" #name)                                                         \
	int exit_##name(struct trace_event_raw_sys_exit *ctx)                                      \
	{                                                                                          \
		struct pending_args p;                                                             \
		if (ignored())                                                                     \
			return 0;                                                                  \
		args_from_regs(&p, sc);                                                            \
		return handler(&p, ctx->ret);                                                      \
	}

#include "security_files.bpf.h"
#include "security_net.bpf.h"
#include "security_exec.bpf.h"
#include "security_misc.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
