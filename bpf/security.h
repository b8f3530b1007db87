/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Security event sources: the ABI shared by bpf/security.bpf.c and
 * src/agent/security_*. One fixed-size record per event type, each starting
 * with struct ksight_event_header (bpf/include/ksight_event.h) followed by
 * struct ksight_sec_ctx. Fixed-width types only; the C++ side static_asserts
 * every size and offset it decodes (src/agent/security_decode.cpp).
 *
 * Event type numbers live in the ranges ksight_event.h reserves for us:
 * 300-399 security syscall events, 150-199 process events. Append, never
 * renumber.
 */
#ifndef KSIGHT_SECURITY_H
#define KSIGHT_SECURITY_H

#include "include/ksight_event.h" /* bpf/include, from bpf/ and C++ alike */

enum ksight_sec_event_type {
	KSIGHT_EVENT_SEC_PROC_EXIT = 150,
	KSIGHT_EVENT_SEC_EXEC = 300,
	KSIGHT_EVENT_SEC_OPEN = 301,
	KSIGHT_EVENT_SEC_CONNECT = 302,
	KSIGHT_EVENT_SEC_ACCEPT = 303,
	KSIGHT_EVENT_SEC_PTRACE = 304,
	KSIGHT_EVENT_SEC_MODULE = 305,
	KSIGHT_EVENT_SEC_SETID = 306,
	KSIGHT_EVENT_SEC_MEMFD = 307,
	KSIGHT_EVENT_SEC_MOUNT = 308,
	KSIGHT_EVENT_SEC_UNLINK = 309,
	KSIGHT_EVENT_SEC_RENAME = 310,
	KSIGHT_EVENT_SEC_CHMOD = 311,
	KSIGHT_EVENT_SEC_CHOWN = 312,
	KSIGHT_EVENT_SEC_BPF = 313,
	KSIGHT_EVENT_SEC_DUP = 314,
	KSIGHT_EVENT_SEC_KILL = 315,
};

/* Which syscall produced a record (several share one record type). */
enum ksight_sec_syscall {
	KSIGHT_SC_NONE = 0,
	KSIGHT_SC_EXECVE,
	KSIGHT_SC_EXECVEAT,
	KSIGHT_SC_OPEN,
	KSIGHT_SC_OPENAT,
	KSIGHT_SC_OPENAT2,
	KSIGHT_SC_CREAT,
	KSIGHT_SC_CONNECT,
	KSIGHT_SC_ACCEPT,
	KSIGHT_SC_ACCEPT4,
	KSIGHT_SC_PTRACE,
	KSIGHT_SC_INIT_MODULE,
	KSIGHT_SC_FINIT_MODULE,
	KSIGHT_SC_SETUID,
	KSIGHT_SC_SETGID,
	KSIGHT_SC_SETREUID,
	KSIGHT_SC_SETREGID,
	KSIGHT_SC_SETRESUID,
	KSIGHT_SC_SETRESGID,
	KSIGHT_SC_MEMFD_CREATE,
	KSIGHT_SC_MOUNT,
	KSIGHT_SC_UNLINK,
	KSIGHT_SC_UNLINKAT,
	KSIGHT_SC_RENAME,
	KSIGHT_SC_RENAMEAT,
	KSIGHT_SC_RENAMEAT2,
	KSIGHT_SC_CHMOD,
	KSIGHT_SC_FCHMOD,
	KSIGHT_SC_FCHMODAT,
	KSIGHT_SC_CHOWN,
	KSIGHT_SC_FCHOWN,
	KSIGHT_SC_FCHOWNAT,
	KSIGHT_SC_LCHOWN,
	KSIGHT_SC_BPF,
	KSIGHT_SC_DUP2,
	KSIGHT_SC_DUP3,
	KSIGHT_SC_KILL,
	KSIGHT_SC_EXIT,
	KSIGHT_SC_MAX,
};

/* Event families, the unit the user enables (bit = 1 << family). */
enum ksight_sec_family {
	KSIGHT_SEC_FAM_EXEC = 0,
	KSIGHT_SEC_FAM_OPEN,
	KSIGHT_SEC_FAM_NET,
	KSIGHT_SEC_FAM_PTRACE,
	KSIGHT_SEC_FAM_MODULE,
	KSIGHT_SEC_FAM_SETID,
	KSIGHT_SEC_FAM_MEMFD,
	KSIGHT_SEC_FAM_MOUNT,
	KSIGHT_SEC_FAM_FILEOPS, /* unlink, rename, chmod, chown */
	KSIGHT_SEC_FAM_BPF,
	KSIGHT_SEC_FAM_DUP,
	KSIGHT_SEC_FAM_KILL,
	KSIGHT_SEC_FAM_EXIT,
	KSIGHT_SEC_FAM_MAX,
};

/* Why an event was not delivered (index of the per-CPU `sec_lost` array). */
enum ksight_sec_lost_reason {
	KSIGHT_SEC_LOST_RINGBUF = 0,  /* ring buffer full at reserve/output */
	KSIGHT_SEC_LOST_PENDING,      /* sys_enter state map full */
	KSIGHT_SEC_LOST_EXEC_PENDING, /* exec argument map full */
	KSIGHT_SEC_LOST_NO_ENTER,     /* sys_exit without its sys_enter */
	KSIGHT_SEC_LOST_MAX,
};

#define KSIGHT_SEC_PATH_LEN 256
#define KSIGHT_SEC_NAME_LEN 64
#define KSIGHT_SEC_FSTYPE_LEN 32
#define KSIGHT_SEC_PARAMS_LEN 128
#define KSIGHT_SEC_UNIX_PATH_LEN 108
#define KSIGHT_SEC_BPF_NAME_LEN 16
#define KSIGHT_SEC_MAX_ARGS 32	  /* argv entries read */
#define KSIGHT_SEC_ARGS_LEN 1024  /* argv bytes kept (NUL-separated) */
#define KSIGHT_SEC_ARG_MAX 256	  /* longest single argv entry read */
#define KSIGHT_SEC_DPATH_DEPTH 32 /* path components walked (mounts included) */
#define KSIGHT_SEC_DPATH_LEN 512  /* components bytes kept */
#define KSIGHT_SEC_DPATH_COMP 128 /* longest component read */
#define KSIGHT_SEC_DPATH_BUF (KSIGHT_SEC_DPATH_LEN + KSIGHT_SEC_DPATH_COMP)
/* The buffer has room for one whole entry past ARGS_LEN so the verifier can
 * bound every read; args_len never exceeds ARGS_LEN. */
#define KSIGHT_SEC_ARGS_BUF (KSIGHT_SEC_ARGS_LEN + KSIGHT_SEC_ARG_MAX)

/* ksight_sec_ctx.flags */
#define KSIGHT_SEC_F_EXE_FROM_MEMFD (1u << 0)
#define KSIGHT_SEC_F_HAS_LOGINUID (1u << 1)

/* Per-record truncation bits (`trunc` fields): which strings were cut. */
#define KSIGHT_SEC_T_PATH (1u << 0)  /* path / filename / source / oldpath */
#define KSIGHT_SEC_T_PATH2 (1u << 1) /* target / newpath */
#define KSIGHT_SEC_T_ARGS (1u << 2)  /* argv bytes or count cut */
#define KSIGHT_SEC_T_NAME (1u << 3)  /* exe / memfd / module name */
#define KSIGHT_SEC_T_CWD (1u << 4)   /* exec cwd components */
#define KSIGHT_SEC_T_EXE (1u << 5)   /* exec exe path components */

/* Who did it: the calling task, read in BPF at the event. */
struct ksight_sec_ctx {
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 ppid;	/* real parent's tgid */
	__u32 loginuid; /* audit login uid, 0xffffffff unset */
	__u32 tty;	/* encoded tty_nr like /proc/PID/stat, 0 = none */
	__u32 flags;	/* KSIGHT_SEC_F_* */
	__u64 cap_effective;
	__s64 res;     /* syscall return: >= 0 success, -errno failure */
	__u16 syscall; /* enum ksight_sec_syscall */
	__u16 trunc;   /* KSIGHT_SEC_T_* */
	__u32 reserved;
};

struct ksight_sec_common {
	struct ksight_event_header hdr;
	struct ksight_sec_ctx ctx;
};

struct ksight_sec_exec_event {
	struct ksight_sec_common c;
	__s32 dirfd; /* execveat only; AT_FDCWD otherwise */
	__u32 at_flags;
	__u32 argc;	/* entries in args (may be < real argc when cut) */
	__u32 args_len; /* bytes used in args */
	char filename[KSIGHT_SEC_PATH_LEN];
	char exe_name[KSIGHT_SEC_NAME_LEN]; /* basename of mm->exe_file after exec */
	char args[KSIGHT_SEC_ARGS_BUF];	    /* argv, each entry NUL-terminated */
	/* The new image's cwd and exe path as walked up the dentry tree:
	 * components leaf first, each NUL-terminated ("bin\0usr\0" is
	 * /usr/bin); len 0 = the root directory. */
	__u32 cwd_len;
	__u32 exe_path_len;
	char cwd[KSIGHT_SEC_DPATH_BUF];
	char exe_path[KSIGHT_SEC_DPATH_BUF];
};

struct ksight_sec_open_event {
	struct ksight_sec_common c;
	__s32 dirfd; /* AT_FDCWD (-100) for open/creat */
	__u32 flags;
	__u32 mode;
	__u32 reserved;
	__u64 resolve; /* openat2 how.resolve */
	char path[KSIGHT_SEC_PATH_LEN];
};

/* Socket endpoints. Addresses in network byte order, ports in host order. */
struct ksight_sec_sockaddr {
	__u16 family; /* AF_INET, AF_INET6, AF_UNIX, 0 unknown */
	__u16 type;   /* SOCK_STREAM, SOCK_DGRAM ... (0 unknown) */
	__u16 protocol;
	__u16 local_port;
	__u16 remote_port;
	__u16 reserved[3];
	__u8 local_addr[16]; /* IPv4 in the first 4 bytes */
	__u8 remote_addr[16];
	char unix_path[KSIGHT_SEC_UNIX_PATH_LEN];
	__u8 pad[4];
};

struct ksight_sec_connect_event {
	struct ksight_sec_common c;
	__s32 fd;
	__u32 addrlen;
	struct ksight_sec_sockaddr addr; /* remote from the user's sockaddr */
};

struct ksight_sec_accept_event {
	struct ksight_sec_common c;
	__s32 fd; /* listening fd; the new fd is c.ctx.res */
	__u32 flags;
	struct ksight_sec_sockaddr addr; /* read from the new socket */
};

struct ksight_sec_ptrace_event {
	struct ksight_sec_common c;
	__s64 request;
	__s32 pid;
	__u32 reserved;
	__u64 addr;
};

struct ksight_sec_module_event {
	struct ksight_sec_common c;
	__u64 len; /* init_module image length */
	__s32 fd;  /* finit_module */
	__u32 flags;
	char params[KSIGHT_SEC_PARAMS_LEN];
	char name[KSIGHT_SEC_NAME_LEN]; /* finit_module: basename of the file */
};

struct ksight_sec_setid_event {
	struct ksight_sec_common c;
	__u32 ids[3]; /* in syscall argument order; 0xffffffff = unchanged */
	__u32 nids;
};

struct ksight_sec_memfd_event {
	struct ksight_sec_common c;
	__u32 flags;
	__u32 reserved;
	char name[KSIGHT_SEC_PATH_LEN];
};

struct ksight_sec_mount_event {
	struct ksight_sec_common c;
	__u64 flags;
	char source[KSIGHT_SEC_PATH_LEN];
	char target[KSIGHT_SEC_PATH_LEN];
	char fstype[KSIGHT_SEC_FSTYPE_LEN];
};

struct ksight_sec_unlink_event {
	struct ksight_sec_common c;
	__s32 dirfd;
	__u32 flags;
	char path[KSIGHT_SEC_PATH_LEN];
};

struct ksight_sec_rename_event {
	struct ksight_sec_common c;
	__s32 olddirfd;
	__s32 newdirfd;
	__u32 flags;
	__u32 reserved;
	char oldpath[KSIGHT_SEC_PATH_LEN];
	char newpath[KSIGHT_SEC_PATH_LEN];
};

struct ksight_sec_chmod_event {
	struct ksight_sec_common c;
	__s32 dirfd; /* fchmod: the fd */
	__u32 mode;
	__u32 flags;
	__u32 reserved;
	char path[KSIGHT_SEC_PATH_LEN]; /* empty for fchmod */
};

struct ksight_sec_chown_event {
	struct ksight_sec_common c;
	__s32 dirfd; /* fchown: the fd */
	__u32 uid;
	__u32 gid;
	__u32 flags;
	char path[KSIGHT_SEC_PATH_LEN]; /* empty for fchown */
};

struct ksight_sec_bpf_event {
	struct ksight_sec_common c;
	__s32 cmd;
	__u32 size;
	__u32 prog_type; /* BPF_PROG_LOAD only */
	__u32 insn_cnt;	 /* BPF_PROG_LOAD only */
	char prog_name[KSIGHT_SEC_BPF_NAME_LEN];
};

struct ksight_sec_dup_event {
	struct ksight_sec_common c;
	__s32 oldfd;
	__s32 newfd;
	__u32 flags;
	__u32 old_mode;			 /* i_mode of oldfd's inode, 0 unknown */
	struct ksight_sec_sockaddr addr; /* when oldfd is a socket */
};

struct ksight_sec_kill_event {
	struct ksight_sec_common c;
	__s32 pid;
	__s32 sig;
};

struct ksight_sec_exit_event {
	struct ksight_sec_common c;
	__s32 exit_code; /* raw wait status: code << 8 | signal */
	__u32 reserved;
};

#endif /* KSIGHT_SECURITY_H */
