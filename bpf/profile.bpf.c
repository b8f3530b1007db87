// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * CPU sampler. Attached to one perf_event per CPU (software cpu-clock or
 * hardware cycles at a fixed frequency); every tick on a CPU runs this
 * program in the context of whatever task was running, so its pid, comm and
 * stacks describe where that CPU was spending time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "profile.h"

const volatile bool filter_pids = false;  /* only tgids in target_pids */
const volatile bool include_idle = false; /* samples of the idle task (pid 0) */
const volatile bool collect_kernel = true;
const volatile bool collect_user = true;
/* Bytes of user stack copied per sample for DWARF unwinding in user space;
 * 0 (frame pointers only) records plain profile_sample records. */
const volatile __u32 stack_copy_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} target_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PROFILE_LOSS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost_counters SEC(".maps");

static __always_inline void count_loss(__u32 reason)
{
	__u64 *counter = bpf_map_lookup_elem(&lost_counters, &reason);

	if (counter)
		*counter += 1;
}

static __always_inline __s32 take_stack(void *ctx, __u64 *stack, __u64 flags, __u32 loss)
{
	long bytes = bpf_get_stack(ctx, stack, KSIGHT_MAX_STACK_DEPTH * sizeof(__u64), flags);

	if (bytes < 0) {
		count_loss(loss);
		return (__s32)bytes;
	}
	return (__s32)(bytes / sizeof(__u64));
}

static __always_inline bool is_kernel_thread(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, mm) == NULL;
}

/* Field by field: perf_event context loads are rewritten by the verifier
 * only when they are direct loads, so the ctx registers cannot be copied
 * with a helper. */
#define REGS_TO_DWARF(r, out)                                                                      \
	do {                                                                                       \
		(out)[PROFILE_REG_RAX] = (r).ax;                                                   \
		(out)[PROFILE_REG_RDX] = (r).dx;                                                   \
		(out)[PROFILE_REG_RCX] = (r).cx;                                                   \
		(out)[PROFILE_REG_RBX] = (r).bx;                                                   \
		(out)[PROFILE_REG_RSI] = (r).si;                                                   \
		(out)[PROFILE_REG_RDI] = (r).di;                                                   \
		(out)[PROFILE_REG_RBP] = (r).bp;                                                   \
		(out)[PROFILE_REG_RSP] = (r).sp;                                                   \
		(out)[8] = (r).r8;                                                                 \
		(out)[9] = (r).r9;                                                                 \
		(out)[10] = (r).r10;                                                               \
		(out)[11] = (r).r11;                                                               \
		(out)[12] = (r).r12;                                                               \
		(out)[13] = (r).r13;                                                               \
		(out)[14] = (r).r14;                                                               \
		(out)[15] = (r).r15;                                                               \
	} while (0)

/*
 * The user registers of the sampled task. A tick that interrupted user code
 * carries them in the perf context; one that interrupted the kernel (a
 * syscall, a page fault) finds them where the kernel entry saved them, at
 * the top of the task's kernel stack: task_pt_regs(), as perf_get_regs_user()
 * does for PERF_SAMPLE_REGS_USER.
 */
static __always_inline bool read_user_regs(struct bpf_perf_event_data *ctx, __u64 *out)
{
	struct pt_regs regs;
	struct pt_regs *saved;
	__u64 ip = ctx->regs.ip;

	/* Keeps clang from reusing a ctx+offset pointer, which the verifier refuses. */
	barrier_var(ip);
	/* Only the user half of the address space has bit 63 clear. */
	if ((__s64)ip >= 0) {
		REGS_TO_DWARF(ctx->regs, out);
		out[PROFILE_REG_RIP] = ip;
		return true;
	}
	saved = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!saved || bpf_probe_read_kernel(&regs, sizeof(regs), saved))
		return false;
	REGS_TO_DWARF(regs, out);
	out[PROFILE_REG_RIP] = regs.ip;
	return true;
}

/*
 * Copies the top of the user stack. A read that runs off the end of the
 * stack mapping fails as a whole, so the main thread's copy stops at
 * mm->start_stack (the initial stack pointer: no frame lies above it), and
 * any other failure is retried with the last page dropped.
 */
static __always_inline __u32 copy_user_stack(struct profile_sample_ustack *s, __u64 sp)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 top = BPF_CORE_READ(task, mm, start_stack);
	__u64 size = stack_copy_bytes;
	int i;

	if (top > sp && top - sp < size)
		size = (top - sp + 8) & ~7ULL;
	for (i = 0; i < 6; i++) {
		if (size > PROFILE_MAX_STACK_COPY)
			size = PROFILE_MAX_STACK_COPY;
		if (size == 0)
			break;
		if (bpf_probe_read_user(s->stack, size, (void *)sp) == 0) {
			if (i > 0)
				count_loss(PROFILE_LOSS_STACK_SHORT);
			return size;
		}
		/* End at the page boundary before the current end. */
		size = ((sp + size - 1) & ~4095ULL) - sp;
		if ((__s64)size <= 0)
			break;
	}
	count_loss(PROFILE_LOSS_STACK_COPY);
	return 0;
}

static __always_inline void fill_sample(struct bpf_perf_event_data *ctx,
					struct profile_sample *sample, __u64 id, bool user_task)
{
	sample->hdr.timestamp_ns = bpf_ktime_get_boot_ns();
	sample->hdr.pid = id >> 32;
	sample->hdr.tid = (__u32)id;
	sample->hdr.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(sample->hdr.comm, sizeof(sample->hdr.comm));
	sample->cpu = bpf_get_smp_processor_id();
	sample->flags = 0;
	sample->kernel_depth =
	    collect_kernel ? take_stack(ctx, sample->kernel_stack, 0, PROFILE_LOSS_KERNEL_STACK)
			   : 0;
	/* Kernel threads have no user memory; asking would only count an error. */
	sample->user_depth =
	    (collect_user && user_task)
		? take_stack(ctx, sample->user_stack, BPF_F_USER_STACK, PROFILE_LOSS_USER_STACK)
		: 0;
}

static __always_inline void submit_with_user_stack(struct bpf_perf_event_data *ctx, __u64 id)
{
	struct profile_sample_ustack *s;

	s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
	if (!s) {
		count_loss(PROFILE_LOSS_RINGBUF_FULL);
		return;
	}
	s->base.hdr.type = KSIGHT_EVENT_CPU_SAMPLE_USTACK;
	s->base.hdr.size = sizeof(*s);
	fill_sample(ctx, &s->base, id, true);
	s->stack_size = 0;
	s->regs_valid = read_user_regs(ctx, s->user_regs);
	if (s->regs_valid)
		s->stack_size = copy_user_stack(s, s->user_regs[PROFILE_REG_RSP]);
	else
		count_loss(PROFILE_LOSS_USER_REGS);
	bpf_ringbuf_submit(s, 0);
}

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct profile_sample *sample;
	bool user_task;

	if (tgid == 0 && !include_idle)
		return 0;
	if (filter_pids && !bpf_map_lookup_elem(&target_pids, &tgid))
		return 0;

	user_task = !is_kernel_thread();
	if (stack_copy_bytes && collect_user && user_task) {
		submit_with_user_stack(ctx, id);
		return 0;
	}
	sample = bpf_ringbuf_reserve(&samples, sizeof(*sample), 0);
	if (!sample) {
		count_loss(PROFILE_LOSS_RINGBUF_FULL);
		return 0;
	}
	sample->hdr.type = KSIGHT_EVENT_CPU_SAMPLE;
	sample->hdr.size = sizeof(*sample);
	fill_sample(ctx, sample, id, user_task);
	bpf_ringbuf_submit(sample, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
