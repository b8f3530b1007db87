/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Part of security.bpf.c: program execution and process exit.
 *
 * execve/execveat: sys_enter_execve copies filename and argv (the caller's
 * memory is replaced by a successful exec), sys_exit_execve adds the result
 * and the new image's identity: comm, exe name, is_exe_from_memfd (the
 * mm->exe_file dentry of an fexecve'd memfd is "memfd:<name>"). The exit
 * tracepoint runs in the new image, so Falco's proc.* fields describe the
 * program that now runs.
 *
 * sched_process_exec: a non-leader thread that execs takes over the
 * leader's pid (de_thread), so its sys_exit runs under another thread id;
 * old_pid there tells us which parked entry to move.
 */
#ifndef KSIGHT_SECURITY_EXEC_BPF_H
#define KSIGHT_SECURITY_EXEC_BPF_H

/* Copies up to KSIGHT_SEC_MAX_ARGS argv entries, NUL-separated. */
static __always_inline void read_argv(struct ksight_sec_exec_event *e, __u64 argv)
{
	__u32 off = 0, argc = 0;
	const char *arg;
	long n;

	e->c.ctx.trunc &= ~KSIGHT_SEC_T_ARGS;
	for (int i = 0; i < KSIGHT_SEC_MAX_ARGS; i++) {
		if (bpf_probe_read_user(&arg, sizeof(arg),
					(const void *)(argv + i * sizeof(arg))) ||
		    !arg)
			goto done;
		if (off >= KSIGHT_SEC_ARGS_LEN) {
			e->c.ctx.trunc |= KSIGHT_SEC_T_ARGS;
			goto done;
		}
		n = bpf_probe_read_user_str(&e->args[off & (KSIGHT_SEC_ARGS_LEN - 1)],
					    KSIGHT_SEC_ARG_MAX, arg);
		if (n <= 0)
			goto done;
		if (n == KSIGHT_SEC_ARG_MAX)
			e->c.ctx.trunc |= KSIGHT_SEC_T_ARGS;
		off += n;
		argc++;
	}
	/* More entries than we read? */
	if (!bpf_probe_read_user(&arg, sizeof(arg),
				 (const void *)(argv + KSIGHT_SEC_MAX_ARGS * sizeof(arg))) &&
	    arg)
		e->c.ctx.trunc |= KSIGHT_SEC_T_ARGS;
done:
	if (off > KSIGHT_SEC_ARGS_LEN) {
		off = KSIGHT_SEC_ARGS_LEN;
		e->c.ctx.trunc |= KSIGHT_SEC_T_ARGS;
	}
	e->argc = argc;
	e->args_len = off;
}

/*
 * A struct path as components, leaf first, crossing mounts up to the
 * global root: bpf_d_path is not available to tracepoints, and user space
 * cannot read /proc/PID/cwd of a process that has already exited. One
 * bpf_loop step per component keeps the verifier's work flat.
 */
struct dpath_walk {
	struct dentry *d;
	struct vfsmount *vmnt;
	struct mount *mnt;
	char *buf;
	__u32 off;
	bool done;
};

static long dpath_step(__u32 i, void *ctx)
{
	struct dpath_walk *w = ctx;
	/* Locals first: CO-RE must not relocate fields of our own struct. */
	struct dentry *d = w->d;
	struct vfsmount *vmnt = w->vmnt;
	struct mount *mnt = w->mnt;
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	char *buf = w->buf;
	__u32 off = w->off;
	long n;

	if (d == BPF_CORE_READ(vmnt, mnt_root) || d == parent) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (!up || up == mnt) {
			w->done = true; /* the global root */
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vmnt = &up->mnt;
		return 0;
	}
	if (!buf || off >= KSIGHT_SEC_DPATH_LEN)
		return 1;
	n = bpf_probe_read_kernel_str(&buf[off & (KSIGHT_SEC_DPATH_LEN - 1)], KSIGHT_SEC_DPATH_COMP,
				      BPF_CORE_READ(d, d_name.name));
	if (n <= 0)
		return 1;
	w->off = off + n;
	w->d = parent;
	return 0;
}

static __always_inline __u32 read_dpath(char *buf, const struct path *path, __u16 *trunc, __u16 bit)
{
	struct dpath_walk w = {};

	w.d = BPF_CORE_READ(path, dentry);
	w.vmnt = BPF_CORE_READ(path, mnt);
	w.mnt = container_of(w.vmnt, struct mount, mnt);
	w.buf = buf;
	bpf_loop(KSIGHT_SEC_DPATH_DEPTH, dpath_step, &w, 0);
	if (!w.done)
		*trunc |= bit;
	return w.off > KSIGHT_SEC_DPATH_LEN ? KSIGHT_SEC_DPATH_LEN : w.off;
}

static __always_inline int exec_enter(struct trace_event_raw_sys_enter *ctx, __u16 syscall)
{
	bool at = syscall == KSIGHT_SC_EXECVEAT;
	struct ksight_sec_exec_event *e;
	__u32 zero = 0, tid = current_tid();

	if (ignored())
		return 0;
	e = bpf_map_lookup_elem(&sec_exec_scratch, &zero);
	if (!e)
		return 0;
	e->c.ctx.syscall = syscall;
	e->c.ctx.trunc = 0;
	e->dirfd = at ? (__s32)ctx->args[0] : AT_FDCWD;
	e->at_flags = at ? (__u32)ctx->args[4] : 0;
	e->c.ctx.trunc |= read_ustr(e->filename, sizeof(e->filename),
				    at ? ctx->args[1] : ctx->args[0], KSIGHT_SEC_T_PATH);
	read_argv(e, at ? ctx->args[2] : ctx->args[1]);
	if (bpf_map_update_elem(&sec_exec_pending, &tid, e, BPF_ANY))
		count_lost(KSIGHT_SEC_LOST_EXEC_PENDING);
	return 0;
}

static __always_inline int exec_exit(long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tid = current_tid();
	struct ksight_sec_exec_event *e = bpf_map_lookup_elem(&sec_exec_pending, &tid);
	const unsigned char *name;
	struct fs_struct *fs;
	struct file *exe;
	__u16 syscall, trunc;
	long n;

	if (!e) {
		if (!ignored())
			count_lost(KSIGHT_SEC_LOST_NO_ENTER);
		return 0;
	}
	syscall = e->c.ctx.syscall;
	trunc = e->c.ctx.trunc;
	fill_common(&e->c, KSIGHT_EVENT_SEC_EXEC, sizeof(*e), syscall, ret);
	e->c.ctx.trunc = trunc;
	e->exe_name[0] = 0;
	name = BPF_CORE_READ(task, mm, exe_file, f_path.dentry, d_name.name);
	n = bpf_probe_read_kernel_str(e->exe_name, sizeof(e->exe_name), name);
	if (n == sizeof(e->exe_name))
		e->c.ctx.trunc |= KSIGHT_SEC_T_NAME;
	fs = BPF_CORE_READ(task, fs);
	e->cwd_len = fs ? read_dpath(e->cwd, &fs->pwd, &e->c.ctx.trunc, KSIGHT_SEC_T_CWD) : 0;
	e->exe_path_len = 0;
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe)
		e->exe_path_len =
		    read_dpath(e->exe_path, &exe->f_path, &e->c.ctx.trunc, KSIGHT_SEC_T_EXE);
	if (bpf_ringbuf_output(&sec_events, e, sizeof(*e), wakeup_flags()))
		count_lost(KSIGHT_SEC_LOST_RINGBUF);
	bpf_map_delete_elem(&sec_exec_pending, &tid);
	return 0;
}

SEC("tp/syscalls/sys_enter_execve")
int enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter(ctx, KSIGHT_SC_EXECVE);
}

SEC("tp/syscalls/sys_exit_execve")
int exit_execve(struct trace_event_raw_sys_exit *ctx) { return exec_exit(ctx->ret); }

SEC("tp/syscalls/sys_enter_execveat")
int enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter(ctx, KSIGHT_SC_EXECVEAT);
}

SEC("tp/syscalls/sys_exit_execveat")
int exit_execveat(struct trace_event_raw_sys_exit *ctx) { return exec_exit(ctx->ret); }

SEC("tp/sched/sched_process_exec")
int sched_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	__u32 old = ctx->old_pid, now = ctx->pid;
	struct ksight_sec_exec_event *e;

	if (old == now)
		return 0;
	e = bpf_map_lookup_elem(&sec_exec_pending, &old);
	if (!e)
		return 0;
	bpf_map_update_elem(&sec_exec_pending, &now, e, BPF_ANY);
	bpf_map_delete_elem(&sec_exec_pending, &old);
	return 0;
}

/*
 * sched_process_exit: the process is gone (Falco's procexit). Fires per
 * thread; we report the thread group's end only, and drop whatever a dying
 * thread left parked mid-syscall.
 */
SEC("tp/sched/sched_process_exit")
int sched_exit(struct trace_event_raw_sched_process_exit *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tid = current_tid();
	struct ksight_sec_exit_event *e;
	bool group_dead;

	bpf_map_delete_elem(&sec_exec_pending, &tid);
	if (ignored())
		return 0;
	if (bpf_core_field_exists(ctx->group_dead))
		group_dead = BPF_CORE_READ(ctx, group_dead);
	else
		group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;
	if (!group_dead)
		return 0;
	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_PROC_EXIT, KSIGHT_SC_EXIT, 0);
	if (!e)
		return 0;
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->reserved = 0;
	submit(e);
	return 0;
}

#endif /* KSIGHT_SECURITY_EXEC_BPF_H */
