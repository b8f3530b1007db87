/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Part of security.bpf.c: privilege and kernel-surface syscalls. Each one
 * is rare on a healthy node and a classic step of an attack, so every call
 * is reported with its result (a refused attempt matters as much as a
 * successful one).
 */
#ifndef KSIGHT_SECURITY_MISC_BPF_H
#define KSIGHT_SECURITY_MISC_BPF_H

/* ptrace: code injection and credential theft from another process. */
static __always_inline int emit_ptrace(struct pending_args *p, long ret)
{
	struct ksight_sec_ptrace_event *e;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_PTRACE, p->syscall, ret);
	if (!e)
		return 0;
	e->request = (__s64)p->args[0];
	e->pid = (__s32)p->args[1];
	e->reserved = 0;
	e->addr = p->args[2];
	submit(e);
	return 0;
}

SEC_SYSCALL(ptrace, KSIGHT_SC_PTRACE, emit_ptrace)

/* init_module/finit_module: rootkits arrive as kernel modules. */
static __always_inline int emit_module(struct pending_args *p, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ksight_sec_module_event *e;
	bool fd = p->syscall == KSIGHT_SC_FINIT_MODULE;
	const unsigned char *name;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_MODULE, p->syscall, ret);
	if (!e)
		return 0;
	e->len = fd ? 0 : p->args[1];
	e->fd = fd ? (__s32)p->args[0] : -1;
	e->flags = fd ? (__u32)p->args[2] : 0;
	e->name[0] = 0;
	e->c.ctx.trunc = read_ustr(e->params, sizeof(e->params), fd ? p->args[1] : p->args[2],
				   KSIGHT_SEC_T_PATH2);
	if (fd) {
		struct file *f = task_fd_file(task, e->fd);

		name = f ? BPF_CORE_READ(f, f_path.dentry, d_name.name) : NULL;
		if (name)
			bpf_probe_read_kernel_str(e->name, sizeof(e->name), name);
	}
	submit(e);
	return 0;
}

SEC_SYSCALL(init_module, KSIGHT_SC_INIT_MODULE, emit_module)
SEC_SYSCALL(finit_module, KSIGHT_SC_FINIT_MODULE, emit_module)

/*
 * Kernels built without module support have no init_module/finit_module
 * tracepoints, yet an attacker's attempt is still worth an event. This
 * raw_syscalls:sys_exit program sees every syscall (~100 ns each, machine
 * wide), so the loader enables it only when asked and only where the
 * per-syscall tracepoints are missing. x86-64 syscall numbers.
 */
SEC("tp/raw_syscalls/sys_exit")
int raw_exit_module(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_args p;
	long id = ctx->id;

	if (id != 175 && id != 313)
		return 0;
	if (ignored())
		return 0;
	args_from_regs(&p, id == 175 ? KSIGHT_SC_INIT_MODULE : KSIGHT_SC_FINIT_MODULE);
	return emit_module(&p, ctx->ret);
}

/* setuid family: privilege changes, escalation to uid 0. */
static __always_inline int emit_setid(struct pending_args *p, long ret)
{
	struct ksight_sec_setid_event *e;
	__u16 sc = p->syscall;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_SETID, sc, ret);
	if (!e)
		return 0;
	e->ids[0] = (__u32)p->args[0];
	e->ids[1] = (__u32)p->args[1];
	e->ids[2] = (__u32)p->args[2];
	if (sc == KSIGHT_SC_SETUID || sc == KSIGHT_SC_SETGID)
		e->nids = 1;
	else if (sc == KSIGHT_SC_SETREUID || sc == KSIGHT_SC_SETREGID)
		e->nids = 2;
	else
		e->nids = 3;
	submit(e);
	return 0;
}

SEC_SYSCALL(setuid, KSIGHT_SC_SETUID, emit_setid)
SEC_SYSCALL(setgid, KSIGHT_SC_SETGID, emit_setid)
SEC_SYSCALL(setreuid, KSIGHT_SC_SETREUID, emit_setid)
SEC_SYSCALL(setregid, KSIGHT_SC_SETREGID, emit_setid)
SEC_SYSCALL(setresuid, KSIGHT_SC_SETRESUID, emit_setid)
SEC_SYSCALL(setresgid, KSIGHT_SC_SETRESGID, emit_setid)

/* bpf: BPF programs are kernel code too (rootkits, credential sniffers). */
static __always_inline int emit_bpf(struct pending_args *p, long ret)
{
	struct ksight_sec_bpf_event *e;
	__u64 attr = p->args[1];

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_BPF, p->syscall, ret);
	if (!e)
		return 0;
	e->cmd = (__s32)p->args[0];
	e->size = (__u32)p->args[2];
	e->prog_type = 0;
	e->insn_cnt = 0;
	e->prog_name[0] = 0;
	if (e->cmd == BPF_PROG_LOAD_CMD && attr) {
		bpf_probe_read_user(
		    &e->prog_type, sizeof(e->prog_type),
		    (const void *)(attr + __builtin_offsetof(union bpf_attr, prog_type)));
		bpf_probe_read_user(
		    &e->insn_cnt, sizeof(e->insn_cnt),
		    (const void *)(attr + __builtin_offsetof(union bpf_attr, insn_cnt)));
		if (e->size >=
		    __builtin_offsetof(union bpf_attr, prog_name) + KSIGHT_SEC_BPF_NAME_LEN)
			bpf_probe_read_user(
			    e->prog_name, sizeof(e->prog_name),
			    (const void *)(attr + __builtin_offsetof(union bpf_attr, prog_name)));
	}
	submit(e);
	return 0;
}

SEC_SYSCALL(bpf, KSIGHT_SC_BPF, emit_bpf)

/* kill: signals to other processes (killing security tools, probing). */
static __always_inline int emit_kill(struct pending_args *p, long ret)
{
	struct ksight_sec_kill_event *e;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_KILL, p->syscall, ret);
	if (!e)
		return 0;
	e->pid = (__s32)p->args[0];
	e->sig = (__s32)p->args[1];
	submit(e);
	return 0;
}

SEC_SYSCALL(kill, KSIGHT_SC_KILL, emit_kill)

#endif /* KSIGHT_SECURITY_MISC_BPF_H */
