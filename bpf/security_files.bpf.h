/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Part of security.bpf.c (included there, not compiled alone): file-system
 * syscalls. Paths are read at sys_exit from the caller's memory the kernel
 * has just read itself (getname), so they are resident; relative paths are
 * resolved in user space against the dirfd / cwd.
 */
#ifndef KSIGHT_SECURITY_FILES_BPF_H
#define KSIGHT_SECURITY_FILES_BPF_H

struct open_how_user {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

/*
 * open family: "who opened what, how". Rules on sensitive reads and writes
 * below /etc key on the path and the flags; sys_exit gives the fd or errno.
 */
static __always_inline int emit_open(struct pending_args *p, long ret)
{
	struct ksight_sec_open_event *e;
	__u64 path = p->args[1];

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_OPEN, p->syscall, ret);
	if (!e)
		return 0;
	e->dirfd = (__s32)p->args[0];
	e->flags = (__u32)p->args[2];
	e->mode = (__u32)p->args[3];
	e->reserved = 0;
	e->resolve = 0;
	if (p->syscall == KSIGHT_SC_OPEN || p->syscall == KSIGHT_SC_CREAT) {
		e->dirfd = AT_FDCWD;
		path = p->args[0];
		e->flags = (__u32)p->args[1];
		e->mode = (__u32)p->args[2];
		if (p->syscall == KSIGHT_SC_CREAT) {
			e->flags = 01 | 0100 | 01000; /* O_WRONLY|O_CREAT|O_TRUNC */
			e->mode = (__u32)p->args[1];
		}
	} else if (p->syscall == KSIGHT_SC_OPENAT2) {
		struct open_how_user how = {};

		bpf_probe_read_user(&how, sizeof(how), (const void *)p->args[2]);
		e->flags = (__u32)how.flags;
		e->mode = (__u32)how.mode;
		e->resolve = how.resolve;
	}
	e->c.ctx.trunc = read_ustr(e->path, sizeof(e->path), path, KSIGHT_SEC_T_PATH);
	submit(e);
	return 0;
}

SEC_SYSCALL(open, KSIGHT_SC_OPEN, emit_open)
SEC_SYSCALL(openat, KSIGHT_SC_OPENAT, emit_open)
SEC_SYSCALL(openat2, KSIGHT_SC_OPENAT2, emit_open)
SEC_SYSCALL(creat, KSIGHT_SC_CREAT, emit_open)

/* unlink/unlinkat: log clearing, evidence removal, dropped-binary cleanup. */
static __always_inline int emit_unlink(struct pending_args *p, long ret)
{
	struct ksight_sec_unlink_event *e;
	bool at = p->syscall == KSIGHT_SC_UNLINKAT;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_UNLINK, p->syscall, ret);
	if (!e)
		return 0;
	e->dirfd = at ? (__s32)p->args[0] : AT_FDCWD;
	e->flags = at ? (__u32)p->args[2] : 0;
	e->c.ctx.trunc =
	    read_ustr(e->path, sizeof(e->path), at ? p->args[1] : p->args[0], KSIGHT_SEC_T_PATH);
	submit(e);
	return 0;
}

SEC_SYSCALL(unlink, KSIGHT_SC_UNLINK, emit_unlink)
SEC_SYSCALL(unlinkat, KSIGHT_SC_UNLINKAT, emit_unlink)

/* rename family: binaries swapped into place, logs rotated away. */
static __always_inline int emit_rename(struct pending_args *p, long ret)
{
	struct ksight_sec_rename_event *e;
	bool at = p->syscall != KSIGHT_SC_RENAME;
	__u16 t;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_RENAME, p->syscall, ret);
	if (!e)
		return 0;
	e->olddirfd = at ? (__s32)p->args[0] : AT_FDCWD;
	e->newdirfd = at ? (__s32)p->args[2] : AT_FDCWD;
	e->flags = p->syscall == KSIGHT_SC_RENAMEAT2 ? (__u32)p->args[4] : 0;
	e->reserved = 0;
	t = read_ustr(e->oldpath, sizeof(e->oldpath), at ? p->args[1] : p->args[0],
		      KSIGHT_SEC_T_PATH);
	t |= read_ustr(e->newpath, sizeof(e->newpath), at ? p->args[3] : p->args[1],
		       KSIGHT_SEC_T_PATH2);
	e->c.ctx.trunc = t;
	submit(e);
	return 0;
}

SEC_SYSCALL(rename, KSIGHT_SC_RENAME, emit_rename)
SEC_SYSCALL(renameat, KSIGHT_SC_RENAMEAT, emit_rename)
SEC_SYSCALL(renameat2, KSIGHT_SC_RENAMEAT2, emit_rename)

/* chmod family: setuid bits set on dropped binaries, world-writable files. */
static __always_inline int emit_chmod(struct pending_args *p, long ret)
{
	struct ksight_sec_chmod_event *e;
	__u16 sc = p->syscall;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_CHMOD, sc, ret);
	if (!e)
		return 0;
	e->reserved = 0;
	e->flags = 0;
	e->path[0] = 0;
	if (sc == KSIGHT_SC_CHMOD) {
		e->dirfd = AT_FDCWD;
		e->mode = (__u32)p->args[1];
		e->c.ctx.trunc = read_ustr(e->path, sizeof(e->path), p->args[0], KSIGHT_SEC_T_PATH);
	} else if (sc == KSIGHT_SC_FCHMOD) {
		e->dirfd = (__s32)p->args[0];
		e->mode = (__u32)p->args[1];
	} else {
		e->dirfd = (__s32)p->args[0];
		e->mode = (__u32)p->args[2];
		e->c.ctx.trunc = read_ustr(e->path, sizeof(e->path), p->args[1], KSIGHT_SEC_T_PATH);
	}
	submit(e);
	return 0;
}

SEC_SYSCALL(chmod, KSIGHT_SC_CHMOD, emit_chmod)
SEC_SYSCALL(fchmod, KSIGHT_SC_FCHMOD, emit_chmod)
SEC_SYSCALL(fchmodat, KSIGHT_SC_FCHMODAT, emit_chmod)

/* chown family: files handed to root or taken from it. */
static __always_inline int emit_chown(struct pending_args *p, long ret)
{
	struct ksight_sec_chown_event *e;
	__u16 sc = p->syscall;
	__u64 path = sc == KSIGHT_SC_FCHOWNAT ? p->args[1] : p->args[0];

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_CHOWN, sc, ret);
	if (!e)
		return 0;
	e->path[0] = 0;
	e->flags = 0;
	if (sc == KSIGHT_SC_FCHOWNAT) {
		e->dirfd = (__s32)p->args[0];
		e->uid = (__u32)p->args[2];
		e->gid = (__u32)p->args[3];
		e->flags = (__u32)p->args[4];
	} else {
		e->dirfd = sc == KSIGHT_SC_FCHOWN ? (__s32)p->args[0] : AT_FDCWD;
		e->uid = (__u32)p->args[1];
		e->gid = (__u32)p->args[2];
	}
	if (sc != KSIGHT_SC_FCHOWN)
		e->c.ctx.trunc = read_ustr(e->path, sizeof(e->path), path, KSIGHT_SEC_T_PATH);
	submit(e);
	return 0;
}

SEC_SYSCALL(chown, KSIGHT_SC_CHOWN, emit_chown)
SEC_SYSCALL(lchown, KSIGHT_SC_LCHOWN, emit_chown)
SEC_SYSCALL(fchown, KSIGHT_SC_FCHOWN, emit_chown)
SEC_SYSCALL(fchownat, KSIGHT_SC_FCHOWNAT, emit_chown)

/* mount: container escapes mount the host's disks or cgroupfs. */
static __always_inline int emit_mount(struct pending_args *p, long ret)
{
	struct ksight_sec_mount_event *e;
	__u16 t;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_MOUNT, p->syscall, ret);
	if (!e)
		return 0;
	e->flags = p->args[3];
	t = read_ustr(e->source, sizeof(e->source), p->args[0], KSIGHT_SEC_T_PATH);
	t |= read_ustr(e->target, sizeof(e->target), p->args[1], KSIGHT_SEC_T_PATH2);
	t |= read_ustr(e->fstype, sizeof(e->fstype), p->args[2], KSIGHT_SEC_T_NAME);
	e->c.ctx.trunc = t;
	submit(e);
	return 0;
}

SEC_SYSCALL(mount, KSIGHT_SC_MOUNT, emit_mount)

/* memfd_create: the first step of fileless execution (write, then fexecve). */
static __always_inline int emit_memfd(struct pending_args *p, long ret)
{
	struct ksight_sec_memfd_event *e;

	e = reserve(sizeof(*e), KSIGHT_EVENT_SEC_MEMFD, p->syscall, ret);
	if (!e)
		return 0;
	e->flags = (__u32)p->args[1];
	e->reserved = 0;
	e->c.ctx.trunc = read_ustr(e->name, sizeof(e->name), p->args[0], KSIGHT_SEC_T_NAME);
	submit(e);
	return 0;
}

SEC_SYSCALL(memfd_create, KSIGHT_SC_MEMFD_CREATE, emit_memfd)

#endif /* KSIGHT_SECURITY_FILES_BPF_H */
